from __future__ import annotations

from datetime import datetime

import click

from pipeline.cli.common import AppContext, ago, clock, now_option, print_json
from pipeline.text import plural


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="The same as one JSON object.")
@now_option
@click.pass_obj
def command(app: AppContext, as_json: bool, now: datetime | None) -> None:
    """Last crawl, failing feeds, this week's items per topic, the last digest and its deliveries.

    Exits 1 when something needs the operator (no successful crawl in a day, every feed failing, a delivery
    that failed or has been pending for a day), so a monitor can run it.
    """
    from pipeline.jobs.status import gather

    moment = clock(now)
    status = gather(app.settings, app.engine, moment)
    problems = status.problems
    if as_json:
        print_json(
            {
                "ok": not problems,
                "problems": problems,
                "last_crawl": status.last_crawl.model_dump(mode="json") if status.last_crawl else None,
                "last_good_crawl": status.last_good_crawl,
                "feeds": status.feeds,
                "failing_feeds": [f.__dict__ for f in status.failing],
                "silent_feeds": [{"name": name, "warning": warning} for name, warning in status.silent],
                "week": status.week,
                "week_items": status.week_items,
                "week_topics": status.week_topics,
                "last_digest": status.last_digest,
                "deliveries": status.delivery_states,
                "next_runs": {name: when for name, when in status.next_runs},
                "workers": [
                    {"id": wid, "seen_at": seen, "feeds_done": done, "hosts": hosts}
                    for wid, seen, done, hosts in status.workers
                ],
                "unclaimed_overdue_feeds": status.unclaimed,
            }
        )
    else:
        crawl = status.last_crawl
        if crawl is None:
            click.echo("last crawl:   never (unionwatch crawl)")
        else:
            started = f"{crawl.started_at:%Y-%m-%d %H:%M} UTC ({ago(crawl.started_at, moment)})"
            click.echo(
                f"last crawl:   {started}, {crawl.status}: "
                f"{crawl.feeds_fetched} fetched, {crawl.feeds_not_modified} not modified, {crawl.feeds_failed} failed, "
                f"{crawl.items_new} new items"
            )
        quiet = f", {len(status.silent)} silent" if status.silent else ""
        click.echo(f"feeds:        {status.feeds} enabled, {len(status.failing)} failing{quiet}")
        for f in status.failing:
            since = f"since {f.since:%Y-%m-%d %H:%M} UTC" if f.since else ""
            error = f.error.replace(f"feed {f.name}: ", "", 1)  # the name leads the line already
            click.echo(f"  ✗ {f.name} {since} ({plural(f.failures, 'failure')}): {error}")
        for name, warning in status.silent:
            click.echo(f"  ! {name}: {warning}")
        topics = ", ".join(f"{t} {n}" for t, n in sorted(status.week_topics.items())) or "no topics yet"
        click.echo(f"this week:    {status.week}: {plural(status.week_items, 'item')}; {topics}")
        if status.last_digest:
            states = ", ".join(f"{n} {s}" for s, n in sorted(status.delivery_states.items())) or "no recipients"
            built = f"{status.last_digest_built:%Y-%m-%d %H:%M} UTC" if status.last_digest_built else "?"
            click.echo(f"last digest:  {status.last_digest}, built {built}; mail: {states}")
        else:
            click.echo("last digest:  none yet")
        for name, when in status.next_runs:
            click.echo(f"next {name + ':':<9} {when:%Y-%m-%d %H:%M %Z}")
        if status.workers:
            click.echo(f"workers:      {len(status.workers)} live")
        for wid, seen, done, hosts in status.workers:
            held = f"holds {', '.join(hosts)}" if hosts else "holds no host"
            click.echo(f"  {wid}: seen {ago(seen, moment) if seen else '?'}, {plural(done, 'feed')} done, {held}")
        if status.unclaimed:
            shown = ", ".join(status.unclaimed[:5]) + (" …" if len(status.unclaimed) > 5 else "")
            click.echo(f"  unclaimed, a cycle overdue: {plural(len(status.unclaimed), 'feed')} ({shown})")
        for problem in problems:
            click.echo(f"PROBLEM: {problem}")
        if not problems:
            click.echo("ok")
    if problems:
        raise SystemExit(1)
