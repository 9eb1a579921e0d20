"""A submitted XForm instance (ODK Collect's `xml_submission_file`) read into the payload of its
form kind: each answer under the question's name (`a__b` -> payload["a"]["b"]), integers as
numbers, multiple choices and `lines`/`commas` texts as lists, attached files through the kind's
`files` hook (laydown.field.kinds.FormKind.files). Empty answers are left out, so the input
schema's defaults apply. Problems are `ValidationError`s naming the question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405  (only the type; parsed by defusedxml)

from defusedxml import ElementTree
from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError
from laydown.field import kinds
from laydown.openrosa import xlsforms


@dataclass(frozen=True)
class Instance:
    form: str
    version: str
    instance_id: str  # the uuid of meta/instanceID, without "uuid:"
    device_at: str | None
    answers: dict[str, str]  # question name -> text, as sent


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refuse(field: str, reason: str, message: str) -> ValidationError:
    return ValidationError(message, fields={field: reason})


def read(xml: bytes) -> Instance:
    """The instance's form, version, id, device time and answers; raise ValidationError."""
    try:
        root: Element = ElementTree.fromstring(xml)
    except Exception:  # noqa: BLE001  (defusedxml's and expat's errors alike)
        raise _refuse(
            "xml_submission_file",
            _("not XML"),
            _("xml_submission_file is not a well-formed XForm instance."),
        ) from None
    form = root.get("id") or ""
    answers: dict[str, str] = {}
    meta: dict[str, str] = {}
    for element in root.iter():
        if len(element):
            continue
        name = _local(element.tag)
        text = (element.text or "").strip()
        answers.setdefault(name, text)
        meta.setdefault(name, text)
    sid = meta.get("instanceID", "").removeprefix("uuid:")
    if not sid:
        raise _refuse(
            "meta/instanceID",
            _("missing"),
            _("The instance has no meta/instanceID: it cannot be received exactly once."),
        )
    when = meta.get("end") or meta.get("timeEnd") or meta.get("start") or meta.get("timeStart")
    return Instance(form, root.get("version") or "", sid, _time(when), answers)


def _time(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).isoformat()
    except ValueError:
        return None  # a device clock we cannot read is not a reason to refuse the submission


def _typed(question: xlsforms.Question, text: str) -> Any:
    if question.type == "integer":
        try:
            return int(text)
        except ValueError:
            raise _refuse(
                question.name,
                _("not a whole number"),
                _("%(field)s: %(value)r is not a whole number.")
                % {"field": question.name, "value": text},
            ) from None
    if question.type == "decimal":
        try:
            return float(text)
        except ValueError:
            raise _refuse(
                question.name,
                _("not a number"),
                _("%(field)s: %(value)r is not a number.")
                % {"field": question.name, "value": text},
            ) from None
    if question.type == "select_multiple":
        return text.split()
    if question.how == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if question.how == "commas":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def payload(kind: kinds.FormKind, instance: Instance, files: Mapping[str, bytes]) -> dict[str, Any]:
    """The payload of `kind` from `instance` and the files sent with it (name -> bytes)."""
    out: dict[str, Any] = {}
    for name, question in xlsforms.questions(kind.name).items():
        text = instance.answers.get(name, "")
        if not text:
            continue
        if question.how == "file":
            data = files.get(text)
            if data is None:
                raise _refuse(
                    name,
                    _("file missing"),
                    _("%(field)s: the file %(file)s was not sent with the submission.")
                    % {"field": name, "file": text},
                )
            hook = kind.files.get(name)
            value = hook(data) if hook else None
            if value is None:
                continue
        else:
            value = _typed(question, text)
        *parents, last = name.split("__")
        target = out
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = value
    return out


def field_name(key: str) -> str:
    """The question named by a payload key of a refusal ("screening.decision")."""
    return key.replace(".", "__")
