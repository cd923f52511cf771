"""The Teams app package: a manifest valid against the published 1.29 schema, the commands, the icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from bot.cli import main
from handlers.teams.package import COMMAND_NAMES, COMMAND_WORDS, manifest

SCHEMA = Path(__file__).parent / "data" / "teams-manifest-1.29.schema.json"
APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"


def _build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    return main(["teams-app", *args])


def test_teams_app_writes_a_package_valid_against_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "metbot-teams.zip"
    assert _build(tmp_path, monkeypatch, "--host", "metbot.example.com", "--out", str(out)) == 0
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        document = json.loads(package.read("manifest.json"))
        colour = Image.open(io.BytesIO(package.read("color.png")))
        outline = Image.open(io.BytesIO(package.read("outline.png")))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(document)
    assert document["manifestVersion"] == "1.29"
    assert document["id"] == APP_ID and document["bots"][0]["botId"] == APP_ID
    assert document["validDomains"] == ["metbot.example.com"]
    assert colour.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = [tuple(outline.getpixel((x, y)) or ()) for x in range(32) for y in range(32)]  # type: ignore[arg-type]
    assert {(r, g, b) for r, g, b, a in pixels if a} == {(255, 255, 255)}  # white on transparent only
    assert any(a == 0 for *_, a in pixels)


def test_the_command_list_is_exactly_the_command_words() -> None:
    document = manifest(APP_ID, "metbot.example.com")
    (commands,) = document["bots"][0]["commandLists"]
    assert [c["title"] for c in commands["commands"]] == [word for word, _ in COMMAND_WORDS]
    assert [word for word, _ in COMMAND_WORDS] == [
        "met", "met list", "met stats", "met help", "met team", "met export", "met forget", "met config",
        "referral", "home",
    ]  # fmt: skip
    assert {"met", "referral", "home"} == COMMAND_NAMES


def test_the_message_extension_logs_a_meeting_from_compose_command_box_and_message() -> None:
    (extension,) = manifest(APP_ID, "metbot.example.com")["composeExtensions"]
    (command,) = extension["commands"]
    assert (
        command["title"] == "Log a meeting" and command["type"] == "action" and command["fetchTask"] is True
    )
    assert sorted(command["context"]) == ["commandBox", "compose", "message"]


def test_without_an_app_id_or_with_a_url_for_a_host_it_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _build(tmp_path, monkeypatch, "--host", "not a host!", "--out", "x.zip") == 2
    assert "is not a host name" in capsys.readouterr().err
    monkeypatch.delenv("TEAMS_APP_ID")
    assert main(["teams-app", "--host", "metbot.example.com", "--out", "x.zip"]) == 2
    assert "TEAMS_APP_ID is not set" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()
    document = manifest(APP_ID, "https://metbot.example.com/")
    assert document["validDomains"] == ["metbot.example.com"]
