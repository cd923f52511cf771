from handlers.slack.offline import OfflineBot


def test_met_logs_a_meeting_and_replies(bot: OfflineBot) -> None:
    answer = bot.slack.command("Jane Doe (Acme Corp) at BNI breakfast; next step: intro to her CFO by Friday")
    assert answer.status == 200
    [reply] = bot.fake.wait_for("response_url")
    print(reply.args)
    assert "Jane Doe" in reply.args["text"]
