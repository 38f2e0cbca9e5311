"""Plain JSON shapes of journeys and audits for the sync API and the device."""

from __future__ import annotations

from auditapp.audits.models import Audit, TouchpointVisit
from auditapp.journeys.models import Journey


def journey_snapshot(journey: Journey) -> dict:
    """Return a journey's touchpoints in walking order, as start_audit copies them."""
    touchpoints = [(s, tp) for s in journey.stages for tp in s.touchpoints]
    return {
        "id": journey.id,
        "version": journey.version,
        "name": journey.name,
        "touchpoints": [
            {
                "position": position,
                "stage_name": stage.name,
                "name": tp.name,
                "channel": tp.channel.value,
                "customer_need": tp.customer_need,
                "expectations": [e.text for e in tp.expectations],
            }
            for position, (stage, tp) in enumerate(touchpoints)
        ],
    }


def visit_state(visit: TouchpointVisit) -> dict:
    """Return what is stored for one touchpoint of an audit (answers loaded)."""
    return {
        "id": visit.id,
        "position": visit.position,
        "version": visit.version,
        "stage_name": visit.stage_name,
        "name": visit.name,
        "expectations": [a.text for a in visit.answers],
        "happened": visit.happened,
        "emotion": visit.emotion,
        "response_seconds": visit.response_seconds,
        "ratings": {
            str(a.position): a.rating.value if a.rating else None for a in visit.answers
        },
    }


def audit_state(audit: Audit, *, brief: bool = False) -> dict:
    """Return an audit (visits and answers loaded); brief leaves out the answers."""
    state = {
        "audit_uuid": str(audit.client_uuid),
        "id": audit.id,
        "status": audit.status.value,
        "journey_id": audit.journey_id,
        "journey_version": audit.journey_version,
    }
    if brief:
        state["visits"] = [
            {"id": v.id, "position": v.position, "version": v.version}
            for v in audit.visits
        ]
    else:
        state["journey_name"] = audit.journey_name
        state["location"] = audit.location
        state["persona_name"] = audit.persona_name
        state["audit_date"] = audit.audit_date.isoformat()
        state["visits"] = [visit_state(v) for v in audit.visits]
    return state
