"""The home page: search, headline counts, the map of places, the latest deployments, charts."""

from __future__ import annotations

from typing import Any

from datasette.utils.asgi import Response

from registry import charts, display

DATABASE = "registry"
LATEST = 10
TOP_VENDORS = 10

STATUS_ORDER = (
    "planned",
    "tendered",
    "awarded",
    "announced",
    "operational",
    "rejected",
    "suspended",
    "cancelled",
    "decommissioned",
)


async def home(datasette, request) -> Response:
    """``/``: everything on it is computed once per published registry file."""
    context = await display.cached(datasette, DATABASE, "home", _context)
    return Response.html(
        await datasette.render_template(
            "home.html", {**context, "database": DATABASE}, request=request, view_name="index"
        )
    )


async def _rows(db, sql: str) -> list[tuple]:
    return [tuple(row) for row in (await db.execute(sql)).rows]


async def _context(db) -> dict[str, Any]:
    statuses = dict(
        await _rows(
            db,
            "select coalesce(status, 'unknown'), count(*) from deployments group by 1",
        )
    )
    ordered = [(s, statuses[s]) for s in STATUS_ORDER if s in statuses]
    ordered += sorted((s, n) for s, n in statuses.items() if s not in STATUS_ORDER)
    (figures,) = await _rows(
        db,
        "select count(*), count(distinct country), "
        "(select count(distinct vendor_id) from deployment_vendors), "
        "(select count(distinct buyer_id) from deployment_buyers), "
        "count(latitude), sum(value_eur) from deployments",
    )
    per_year = await _rows(
        db,
        "select d.year, coalesce(t.label, dt.technology_id), count(*) "
        "from deployments d join deployment_technologies dt on dt.deployment_id = d.id "
        "left join technologies t on t.id = dt.technology_id "
        "where d.year is not null group by 1, 2 order by 1, 2",
    )
    vendors = await _rows(
        db,
        "select dv.vendor_id, coalesce(v.name, dv.vendor_id), count(*) as n "
        "from deployment_vendors dv left join vendors v on v.id = dv.vendor_id "
        f"group by 1 order by n desc, 2 limit {TOP_VENDORS}",
    )
    spending = await _rows(
        db,
        "select year, sum(value_eur), count(value_eur) from deployments "
        "where value_eur is not null and year is not null group by year order by year",
    )
    latest = [
        dict(row)
        for row in (
            await db.execute(
                "select id, title, status, city, country, place_id, place_label, "
                "first_evidence, last_evidence, technologies, vendors, buyer_name, "
                "value_amount, value_currency, value_eur from deployments "
                "order by first_seen desc, coalesce(last_evidence, first_evidence, '') desc, id "
                f"limit {LATEST}"
            )
        ).rows
    ]
    points = [
        {"lat": lat, "lon": lon, "label": label, "count": count, "url": display.place_url(place)}
        for place, label, lat, lon, count in await _rows(
            db,
            "select place_id, coalesce(place_label, city, place_id), latitude, longitude, "
            "count(*) from deployments where latitude is not null and place_id is not null "
            "group by place_id order by place_id",
        )
    ]
    made = [
        charts.per_year_by_technology(per_year),
        charts.top_vendors(vendors, "/registry/vendor?id="),
        charts.spending_per_year(spending),
    ]
    return {
        "statuses": ordered,
        "deployments": figures[0],
        "countries": figures[1],
        "vendors": figures[2],
        "buyers": figures[3],
        "located": figures[4],
        "total_eur": figures[5],
        "latest": latest,
        "points": points,
        "charts": [chart for chart in made if chart is not None],
    }
