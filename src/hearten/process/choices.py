"""The process evaluation's closed choices, spelled once."""

from __future__ import annotations

from typing import Literal, get_args

#: How far a participant went with their arm's intervention.
Stage = Literal["never opened", "started and stopped", "completed", "control", "not tracked"]
STAGES: tuple[Stage, ...] = get_args(Stage)

#: Where an interviewee is on the way from sampled to interviewed.
MemberStatus = Literal["sampled", "invited", "agreed", "declined", "interviewed"]
MEMBER_STATUSES: tuple[MemberStatus, ...] = get_args(MemberStatus)

#: What a transcript records.
TranscriptKind = Literal["interview", "focus group"]
TRANSCRIPT_KINDS: tuple[TranscriptKind, ...] = get_args(TranscriptKind)

#: Who was interviewed.
Respondent = Literal["participant", "deliverer", "coordinator"]
RESPONDENTS: tuple[Respondent, ...] = get_args(Respondent)
