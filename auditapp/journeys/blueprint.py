"""The journey designer's blueprint and lookups shared by its view modules."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import login_required

from auditapp.core.errors import DomainError
from auditapp.core.tenancy import Role, current_org_id, get_in_org_or_404, require_role
from auditapp.journeys import services
from auditapp.journeys.models import Journey, Stage, Touchpoint

bp = Blueprint("journeys", __name__)


@bp.before_request
@login_required
def _designers_only():
    """Journeys are designed by managers and admins."""
    require_role(Role.MANAGER)


def journey_for(journey_id: int, *, editable: bool = True) -> Journey:
    """Return the organisation's journey or 404; archived ones are read-only."""
    journey = get_in_org_or_404(Journey, journey_id)
    if editable and journey.archived:
        raise DomainError(_("This journey is archived. Restore it to edit."))
    return journey


def stage_for(stage_id: int) -> tuple[Stage, Journey]:
    """Return a stage of an editable journey, with the journey."""
    stage = get_in_org_or_404(Stage, stage_id)
    return stage, journey_for(stage.journey_id)


def touchpoint_for(touchpoint_id: int) -> tuple[Touchpoint, Stage, Journey]:
    """Return a touchpoint of an editable journey, with its stage and journey."""
    touchpoint = get_in_org_or_404(Touchpoint, touchpoint_id)
    stage, journey = stage_for(touchpoint.stage_id)
    return touchpoint, stage, journey


def loaded(journey: Journey) -> Journey:
    """Return the journey again with stages, touchpoints and expectations loaded."""
    return services.load_journey(current_org_id(), journey.id)
