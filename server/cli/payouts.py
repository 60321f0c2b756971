"""`flask --app wsgi payouts ...`: reward rules and payout sheets (达标奖补).

`payouts rules FILE` loads rules from CSV or XLSX (all rows or none); `payouts rules --defaults
REGION` makes the region's rules from the loaded checklists' tier rewards; `payouts sheet REGION
PERIOD [-o DIR] [--record]` writes the sheet as PDF and XLSX and, with --record, records its
payouts. Results go to stdout; every problem goes to stderr and the exit status is 1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import AppGroup

from server.cli.imports import fail
from server.domain.errors import DomainError
from server.services import payouts

group = AppGroup("payouts", help="Reward rules and payout sheets (达标奖补).")


@group.command("rules")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--defaults", "region", metavar="REGION", help="Make REGION's rules from the checklists' rewards."
)
@click.option(
    "--valid-from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=payouts.DEFAULT_VALID_FROM.isoformat(),
    show_default=True,
    help="With --defaults: the date the rules are in force from.",
)
def rules(file: Path | None, region: str | None, valid_from: dt.datetime) -> None:
    """Load rules from FILE (地区代码, 标准类别, 等级, 金额, 补差, 生效日期, 备注), or --defaults REGION."""
    if (file is None) == (region is None):
        raise click.UsageError("give either FILE or --defaults REGION")
    try:
        if file is not None:
            result = payouts.load_rules(file.name, file.read_bytes())
            breakdown = "，".join(f"{key} {n}" for key, n in result.breakdown.items())
            click.echo(f"已导入奖补规则 {result.count} 条（{breakdown}）")
            return
        assert region is not None
        created = payouts.default_rules(region, valid_from.date())
    except DomainError as exc:
        fail(exc)
    if not created:
        click.echo(f"地区 {region} 的各类评审标准均已有奖补规则，未做改动。")
        return
    click.echo(f"已为地区 {region} 创建默认奖补规则 {len(created)} 条（补差，{valid_from.date()} 起）：")
    for rule in created:
        click.echo(f"  {rule.family}  {rule.tier_code}  {rule.amount_yuan:,} 元")


@group.command("sheet")
@click.argument("region")
@click.argument("period")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder the PDF and XLSX go to.",
)
@click.option("--record", is_flag=True, help="Record the payouts, so later periods pay only differences.")
def sheet(region: str, period: str, output: Path, record: bool) -> None:
    """Write the payout sheet of REGION for PERIOD (2026, 2026Q4 or 2026-11) as PDF and XLSX."""
    now = dt.datetime.now(dt.UTC)
    try:
        built = payouts.build_sheet(region, period, now)
        added = 0
        if record:
            built, added = payouts.record(built, "cli", now)
        files = [payouts.render(built, fmt) for fmt in payouts.FORMATS]
    except DomainError as exc:
        fail(exc)
    output.mkdir(parents=True, exist_ok=True)
    for download in files:
        path = output / download.filename
        path.write_bytes(download.data)
        click.echo(f"{path}: {len(download.data)} bytes")
    click.echo(
        f"{built.region_name} {built.period.label}：{len(built.rows)} 家机构，"
        f"应拨合计 {built.total_yuan:,} 元；分配表摘要 {built.digest}"
    )
    if record:
        click.echo(f"已登记拨付记录 {added} 条" if added else "没有新的拨付记录需要登记（已登记过）")
