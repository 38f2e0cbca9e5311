"""B7: the development list page against its own N+1 control, at n = 50 and 1,000.

Run from the repository root (not collected by pytest; exits non-zero on a miss):

    .venv/bin/python -m tests.benchmarks.bench_dev_list [--runs 15]

For each n, an organisation gets n development items (5 friction points each, half
of them with a photo, several owners and touchpoints) and the manager's GET of
`/development?per_page=1000` (every item on one page) is timed through the Flask
test client on a SQLite file in WAL mode:

  list     the route as shipped: one statement ranks, one loads the page with
           owner/journey/touchpoint joined, two aggregate counts and best photos
  control  the same route with `lazyload('*')` forced on the page query and the
           per-row details read row by row, as an ORM page that walks its
           relationships would (the N+1 shape, performance.md §1.5)

Printed: SQL statements per request (counted with a before_cursor_execute listener)
and the median time of --runs interleaved requests. Targets (performance.md §8 B7):
the route's statement count is the same at both sizes, the list query itself
(queries.list_page) sends at most 5, and at n = 1,000 the route's time is ≤ 0.35×
the control's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import lazyload

from auditapp import create_app
from auditapp.core.tenancy import Role
from auditapp.development import queries
from auditapp.development.models import ItemFinding
from auditapp.extensions import db
from auditapp.findings.models import FrictionPoint, Photo
from tests import factories, scale
from tests.conftest import BrowserLikeClient, sign_in

PATH = "/development?per_page=1000&status=new"
SIZES = (50, 1000)
TARGET_RATIO = 0.35
#: The list's own statements beyond a signed-in page's fixed cost.
LIST_STATEMENTS = 5


def _naive_details(org_id, item_ids):
    """Per-row lookups: three statements for every item on the page."""
    result = {}
    for item_id in item_ids:
        points = db.session.execute(
            select(FrictionPoint)
            .join(ItemFinding, ItemFinding.friction_point_id == FrictionPoint.id)
            .where(ItemFinding.item_id == item_id, ItemFinding.org_id == org_id)
        ).scalars()
        points = sorted(points, key=lambda p: (-p.severity, p.id))
        photos = db.session.execute(
            select(func.count(Photo.id)).where(
                Photo.friction_point_id.in_([p.id for p in points])
            )
        ).scalar_one()
        best = None
        if points:
            best = db.session.execute(
                select(Photo.id)
                .where(Photo.friction_point_id == points[0].id)
                .order_by(Photo.id)
                .limit(1)
            ).scalar_one_or_none()
        result[item_id] = queries.RowDetails(len(points), photos, best)
    return result


@contextmanager
def n_plus_one():
    """Force the control: lazy relationship loads and per-row detail lookups."""
    options, details = queries.list_load_options, queries.row_details
    queries.list_load_options = lambda: (lazyload("*"),)
    queries.row_details = _naive_details
    try:
        yield
    finally:
        queries.list_load_options, queries.row_details = options, details


class Counter:
    """Count SQL statements sent to the engine."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, *args):
        self.count += 1


def build(app, n: int):
    """Return a signed-in client of an org with n items (all status "new")."""
    with app.app_context():
        org = factories.make_org(f"Org {n}")
        manager = factories.make_user(org, Role.MANAGER)
        auditor = factories.make_user(org, Role.AUDITOR)
        owners = [factories.make_user(org, Role.MANAGER) for _ in range(20)]
        journey = factories.make_journey(org, touchpoints=30, expectations=2)
        scale.fill(
            org,
            journey,
            auditor,
            scale.Sizes(audits=max(n // 4, 1), findings=5 * n, items=n),
            statuses=("new",),
            owners=owners,
        )
        email = manager.email
    client = app.test_client()
    sign_in(client, email)
    return client


def measure(app, client, runs: int) -> dict:
    with app.app_context():
        engine = db.engine
    figures = {}
    for name, mode in (("list", None), ("control", n_plus_one)):
        with Counter(engine) as counter:
            if mode:
                with mode():
                    response = client.get(PATH)
            else:
                response = client.get(PATH)
        assert response.status_code == 200, response.status_code
        figures[f"{name}_statements"] = counter.count
        figures[f"{name}_rows"] = response.get_data(as_text=True).count(
            'class="list__item dev-row"'
        )
    times = {"list": [], "control": []}
    for _ in range(runs):
        for name, mode in (("list", None), ("control", n_plus_one)):
            start = time.perf_counter()
            if mode:
                with mode():
                    client.get(PATH)
            else:
                client.get(PATH)
            times[name].append(time.perf_counter() - start)
    figures["list_ms"] = statistics.median(times["list"]) * 1000
    figures["control_ms"] = statistics.median(times["control"]) * 1000
    return figures


def own_statements(app, client) -> int:
    """Return the statements queries.list_page sends (the list itself, no chrome)."""
    with app.app_context():
        engine = db.engine
    original, seen = queries.list_page, []

    def counted(*args, **kwargs):
        with Counter(engine) as counter:
            result = original(*args, **kwargs)
        seen.append(counter.count)
        return result

    queries.list_page = counted
    try:
        client.get(PATH)
    finally:
        queries.list_page = original
    return seen[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "PHOTO_DIR": str(Path(tmp) / "photos"),
                "SECRET_KEY": "benchmark-secret-key-long-enough",
            }
        )
        app.test_client_class = BrowserLikeClient
        with app.app_context():
            db.create_all()
        results = {}
        for n in SIZES:
            client = build(app, n)
            results[n] = measure(app, client, args.runs)
            results[n]["own"] = own_statements(app, client)
    print(f"B7 development list, GET {PATH}, median of {args.runs} runs")
    print(
        f"{'n':>6} {'rows':>5} {'stmts':>6} {'ctrl stmts':>10} "
        f"{'list ms':>8} {'ctrl ms':>8} {'ratio':>6}"
    )
    for n, f in results.items():
        ratio = f["list_ms"] / f["control_ms"]
        print(
            f"{n:>6} {f['list_rows']:>5} {f['list_statements']:>6} "
            f"{f['control_statements']:>10} {f['list_ms']:>8.1f} "
            f"{f['control_ms']:>8.1f} {ratio:>6.2f}"
        )
    small, large = results[SIZES[0]], results[SIZES[-1]]
    own = large["own"]
    checks = [
        (
            "statements independent of n",
            small["list_statements"] == large["list_statements"],
        ),
        (f"list's own statements {own} <= {LIST_STATEMENTS}", own <= LIST_STATEMENTS),
        (
            f"ratio at n={SIZES[-1]} <= {TARGET_RATIO}",
            large["list_ms"] / large["control_ms"] <= TARGET_RATIO,
        ),
        ("every item shown", large["list_rows"] == SIZES[-1]),
    ]
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
