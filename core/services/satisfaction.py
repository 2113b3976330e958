"""The customer's rating of a resolved case (docs/process.md §6): 1-5 stars, optionally 1-5 per
aspect (quality, speed, attitude, price), and a comment. A rating of 1 or 2 asks what
went wrong and offers to reopen the case.

Buttons carry the handling round (the case's reopen_count), so a rating button from
before a reopen cannot rate the later round.
"""
from __future__ import annotations

from core.domain.lifecycle import Stage
from core.intents import AnswerCallback, Button, Localized, Phrase, SendMessage
from core.services.callbacks import CustomerButton
from core.services.routing import notice_in_thread
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork

AWAITING_RATING_COMMENT = "rating_comment"
RATABLE_STAGES = (Stage.RESOLVED, Stage.FOLLOW_UP, Stage.CLOSED)
# A low rating may reopen the case while it is not yet closed.
REOPENABLE_STAGES = (Stage.RESOLVED, Stage.FOLLOW_UP)
LOW_RATING = 2
STARS = range(1, 6)
ASPECTS = {
    "quality": Phrase("rating.aspect.quality"),
    "speed": Phrase("rating.aspect.speed"),
    "attitude": Phrase("rating.aspect.attitude"),
    "price": Phrase("rating.aspect.price"),
}


def _same_in_every_locale(text: str) -> Localized:
    return Localized({"en": text})


def star_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    round_no = case.reopen_count
    return (tuple(Button(_same_in_every_locale("⭐" * n), CustomerButton(case.id, "rate", f"{round_no}.{n}").encode()) for n in STARS),)


def _aspect_rows(case: Case) -> tuple[tuple[Button, ...], ...]:
    round_no = case.reopen_count
    return tuple(
        (
            Button(label, CustomerButton(case.id, "asp", f"{round_no}.{key}").encode()),
            *(Button(_same_in_every_locale(str(n)), CustomerButton(case.id, "asp", f"{round_no}.{key}.{n}").encode()) for n in STARS),
        )
        for key, label in ASPECTS.items()
    )


def _reopen_row(case: Case) -> tuple[Button, ...]:
    return (Button(Phrase("customer.button.reopen"), CustomerButton(case.id, "reopen").encode()),)


class Satisfaction:
    def __init__(self, uow: UnitOfWork, desk: StaffDesk, customer: User) -> None:
        self.uow = uow
        self.desk = desk
        self.customer = customer

    def _answer(self, callback_id: str, text: Phrase | None = None) -> None:
        self.uow.emit(AnswerCallback(self.customer.id, self.customer.locale, callback_id, text))

    def _say(self, text: Phrase, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        self.uow.emit(SendMessage(self.customer.id, self.customer.locale, text, buttons))

    def _current(self, case: Case, arg: str) -> list[str] | None:
        """The button's parts after its round, or None when it belongs to another round."""
        parts = arg.split(".")
        if case.stage not in RATABLE_STAGES or not parts[0].isdigit() or int(parts[0]) != case.reopen_count:
            return None
        return parts[1:]

    async def press(self, callback_id: str, case: Case, action: str, arg: str) -> None:
        parts = self._current(case, arg)
        if action == "rate" and parts and len(parts) == 1 and parts[0].isdigit() and int(parts[0]) in STARS:
            await self._rate(callback_id, case, int(parts[0]))
        elif action == "asp" and parts and parts[0] in ASPECTS:
            await self._rate_aspect(callback_id, case, parts)
        else:
            self._answer(callback_id, Phrase("button.expired"))

    async def _rate(self, callback_id: str, case: Case, stars: int) -> None:
        now = self.uow.clock.now()
        rating, before = await self.uow.ratings.set_stars(case.id, case.reopen_count, stars, now)
        self._answer(callback_id, Phrase("rating.noted", stars="⭐" * stars))
        if before == stars:
            return  # the same star pressed again: already answered
        self.uow.cases.record_event(case.id, now, f"customer:{self.customer.id}", "rated", stars=stars)
        case.awaiting = AWAITING_RATING_COMMENT
        if stars <= LOW_RATING:
            rows = _aspect_rows(case) + ((_reopen_row(case),) if case.stage in REOPENABLE_STAGES else ())
            self._say(Phrase("customer.rating_low", number=case.number), rows)
        else:
            self._say(Phrase("customer.rating_thanks", number=case.number), _aspect_rows(case))
        notice_in_thread(self.uow, self.desk, case, Phrase("staff.notice.rated", stars="⭐" * stars, score=stars))

    async def _rate_aspect(self, callback_id: str, case: Case, parts: list[str]) -> None:
        rating = await self.uow.ratings.get(case.id, case.reopen_count)
        if len(parts) == 1 or rating is None:
            # The aspect's name itself, or an aspect before any stars: say what to press.
            self._answer(callback_id, Phrase("rating.aspect_hint") if rating else Phrase("button.expired"))
            return
        if not parts[1].isdigit() or int(parts[1]) not in STARS:
            self._answer(callback_id, Phrase("button.expired"))
            return
        key, score = parts[0], int(parts[1])
        rating.aspects = {**rating.aspects, key: score}  # a new dict: JSON columns track assignment
        rating.updated_at = self.uow.clock.now()
        self.uow.cases.record_event(case.id, rating.updated_at, f"customer:{self.customer.id}", "rated_aspect", aspect=key, score=score)
        self._answer(callback_id, Phrase("rating.aspect_noted", aspect=ASPECTS[key], score=score))

    async def comment(self, case: Case, text: str) -> None:
        """The customer's words after rating: kept with the rating and shown to staff."""
        case.awaiting = None
        rating = await self.uow.ratings.get(case.id, case.reopen_count)
        now = self.uow.clock.now()
        if rating is not None:
            rating.comment = text
            rating.updated_at = now
        self.uow.cases.record_event(case.id, now, f"customer:{self.customer.id}", "rating_comment", text=text)
        low = rating is not None and rating.stars <= LOW_RATING
        reopenable = low and case.stage in REOPENABLE_STAGES
        self._say(Phrase("customer.rating_comment_thanks", number=case.number), (_reopen_row(case),) if reopenable else ())
        notice_in_thread(self.uow, self.desk, case, Phrase("staff.notice.rating_comment", score=rating.stars if rating else 0, text=text))
