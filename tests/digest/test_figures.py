"""Figures read from sentences: one row a case, the sentence beside the figures it states (none, most often)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.digest.figures import find_figures, load_indicators
from pipeline.errors import ConfigError
from tests.support.paths import ROOT

INDICATORS = load_indicators(ROOT / "baseline" / "facts.toml")

CASES = [
    # (case, sentence, [(indicator, value, period)])
    ("ru: a price with a decimal comma and a year",
     "Цена на газ для Беларуси в 2027 году составит $128,5 за тысячу кубометров.", [("gas-price", 128.5, "2027")]),
    ("en: a price per 1,000 cubic metres", "Belarus will pay $127 per 1,000 cubic meters of Russian gas.",
     [("gas-price", 127.0, None)]),
    ("ru: dollars spelled out, a month and year",
     "Для Минска газ будет стоить 130 долларов за 1000 куб. м с января 2027 года.", [("gas-price", 130.0, "2027-01")]),
    ("ru: programmes implemented in percent", "Союзные программы выполнены на 80 процентов, сообщил премьер Беларуси.",
     [("programmes-implemented", 80.0, None)]),
    ("en: programmes implemented, with a month",
     "The 28 union programmes are 90% implemented, Minsk said in March 2024.",
     [("programmes-implemented", 90.0, "2024-03"), ("union-programmes-count", 28.0, "2024-03")]),
    ("en: duty-free crude in million tonnes", "Russia will supply 18 million tonnes of oil to Belarus in 2027.",
     [("duty-free-crude", 18.0, "2027")]),
    ("ru: crude in млн тонн", "Беларусь получит 24 млн тонн российской нефти.", [("duty-free-crude", 24.0, None)]),
    ("ru: trade turnover in billions of dollars",
     "Товарооборот между Россией и Беларусью в 2024 году превысил 50 миллиардов долларов.",
     [("trade-turnover", 50.0, "2024")]),
    ("en: trade with a dollar sign", "Trade between Russia and Belarus reached $47.5 billion last year.",
     [("trade-turnover", 47.5, None)]),
    ("en: a wire's 'bln' in a headline", "Trade turnover between Russia, Belarus grow to $51.9 bln in 2025",
     [("trade-turnover", 51.9, "2025")]),
    ("ru: turnover in roubles is not dollars", "Товарооборот России и Белоруссии превысил 900 млрд рублей.", []),
    ("an exchange price is not Belarus's price",
     "Биржевые цены на газ в Европе превысили 500 долларов за тысячу кубометров.", []),
    ("state programmes are not the union programmes", "Уровень исполнения госпрограмм превышает 99 процентов.", []),
    ("a year is not a price", "Belarus paid for gas in 2019.", []),
    ("a volume is not a price", "Gas deliveries to Belarus rose by 5% to 20 billion cubic metres.", []),
]  # fmt: skip


@pytest.mark.parametrize("case,sentence,expected", CASES, ids=[c[0] for c in CASES])
def test_figures(case: str, sentence: str, expected: list[tuple[str, float, str | None]]) -> None:
    found = find_figures(sentence, INDICATORS)
    assert [(f.indicator, f.value, f.period) for f in found] == expected
    assert all(f.sentence == sentence for f in found)


def test_an_indicator_without_a_kind_is_a_one_line_config_error(tmp_path: Path) -> None:
    facts = tmp_path / "facts.toml"
    facts.write_text('[[indicator]]\nid = "x"\ntopic = "t"\nname = "n"\nvalue = 1\nunit = "u"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"facts.toml: indicator x: missing key 'date'"):
        load_indicators(facts)


def test_an_indicator_dated_in_no_calendar_form_is_a_one_line_config_error(tmp_path: Path) -> None:
    facts = tmp_path / "facts.toml"
    facts.write_text(
        '[[indicator]]\nid = "x"\ntopic = "t"\nname = "n"\nvalue = 1\nunit = "u"\ndate = "end of 2019"\n'
        'source = "s"\nkind = "percent"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"indicator x: date 'end of 2019' is not a year, year-month or day"):
        load_indicators(facts)


def test_a_baseline_stands_from_the_period_it_describes() -> None:
    from datetime import date

    from pipeline.digest.figures import established

    # December 2019: the gas price and crude volume of that month; not the programmes of 2021 or their share in 2023
    assert [i.id for i in established(INDICATORS, date(2019, 12, 30))] == ["gas-price", "duty-free-crude"]
    assert [i.id for i in established(INDICATORS, date(2019, 12, 1))] == []
    assert len(established(INDICATORS, date(2026, 11, 30))) == len(INDICATORS) == 5
