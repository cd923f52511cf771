"""/metrics in Prometheus format: requests by outcome, ack latency, inbox depth and age, digests by outcome."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from handlers.slack.offline import OfflineBot


def scrape(bot: OfflineBot) -> dict[str, float]:
    answer = bot.slack.get("/metrics")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/plain")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(answer.body):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_metrics_count_requests_inbox_and_digests(bot: OfflineBot) -> None:
    bot.slack.command("Jane Doe (Acme) at BNI")
    bot.fake.wait_for("response_url")
    bot.slack.raw(b"[]", {"Content-Type": "application/json"})  # unsigned junk: a 401
    bot.clock.advance(timedelta(days=3, hours=1))  # Monday: the first working day after the meeting
    assert bot.sweep().sent == 1
    samples = scrape(bot)
    assert samples["metbot_requests_total{outcome=200,route=/slack/events}"] == 1
    assert samples["metbot_requests_total{outcome=401,route=/slack/events}"] == 1
    assert samples["metbot_ack_seconds_count{route=/slack/events}"] == 2
    assert samples["metbot_ack_seconds_bucket{le=+Inf,route=/slack/events}"] == 2
    assert samples["metbot_digests{outcome=sent}"] == 1
    assert samples["metbot_digests{outcome=retried}"] == 0
    assert "metbot_inbox_depth{}" in samples and "metbot_inbox_oldest_seconds{}" in samples


def test_inbox_depth_and_age_show_work_waiting(bot: OfflineBot) -> None:
    bot.worker.stop()  # nobody works: what is acked waits in the inbox
    bot._worker_thread.join(timeout=10)
    for n in range(3):
        assert bot.slack.command(f"Person {n} (Co) at Expo").status == 200
    bot.clock.advance(timedelta(seconds=90))
    samples = scrape(bot)
    assert samples["metbot_inbox_depth{}"] == 3
    assert samples["metbot_inbox_oldest_seconds{}"] >= 90
