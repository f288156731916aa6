"""Feed HTML → plain text: one row a case, the fragment as a feed carries it beside the text a reader must see
(and the figures must be read from)."""

from __future__ import annotations

import pytest

from pipeline.text import dateline, is_byline, is_dateline, plain_text, sentences, without_datelines, without_related

CASES = [
    # (case, fragment, text, text with lines kept)
    ("a price between two signs is text, not a tag", "Цена < 100 $ и > 50 $ за тыс. м3",
     "Цена < 100 $ и > 50 $ за тыс. м3", "Цена < 100 $ и > 50 $ за тыс. м3"),
    ("an attribute holding '>' does not leak its tail", '<a title="газ > нефть" href="/x">Газ</a> подорожал',
     "Газ подорожал", "Газ подорожал"),
    ("a comment stays out", "Союзное <!-- реклама --> государство", "Союзное государство", "Союзное государство"),
    ("a comment holding a tag stays out", "Да<!-- <p>нет</p> -->!", "Да!", "Да!"),
    ("paragraphs and line breaks are kept as lines", "<p>Первый.</p><p>Второй<br>третий</p>",
     "Первый. Второй третий", "Первый.\nВторой\nтретий"),
    ("inline tags join no words", "Бела<b>русь</b> и Рос<i>сия</i>", "Беларусь и Россия", "Беларусь и Россия"),
    ("script and style are not text", "<style>p{}</style><script>if (a<b) x()</script>Текст", "Текст", "Текст"),
    ("entities decoded once", "AT&amp;T &laquo;Газпром&raquo; &#8470;5", "AT&T «Газпром» №5", "AT&T «Газпром» №5"),
    ("double-escaped markup read through", "&lt;p&gt;Минск&lt;/p&gt;&lt;p&gt;Москва&lt;/p&gt;", "Минск Москва",
     "Минск\nМосква"),
    ("control characters dropped", "Газ\x10 и\x00 нефть", "Газ и нефть", "Газ и нефть"),
    ("a lone surrogate dropped", "Газ\ud800", "Газ", "Газ"),
    ("non-breaking spaces are spaces", "127\u00a0$", "127 $", "127 $"),
    ("an unclosed tag at the end loses only itself", "Минск <a href=", "Минск", "Минск"),
    ("plain text passes as it is", "Союзное государство", "Союзное государство", "Союзное государство"),
]  # fmt: skip


@pytest.mark.parametrize("case,fragment,text,lines", CASES, ids=[c[0] for c in CASES])
def test_plain_text(case: str, fragment: str, text: str, lines: str) -> None:
    assert plain_text(fragment) == text
    assert plain_text(fragment, keep_lines=True) == lines


@pytest.mark.parametrize(
    "sentence,alone",
    [
        ("MINSK, February 8. /TASS/.", True),
        ("ST. PETERSBURG, December 21. /TASS/.", True),
        ("МОСКВА, 26 ноя - РИА Новости.", True),
        ("Moscow, Minsk sign a gas deal.", False),
        ("Belarus, Russia sign 28 programmes.", False),
    ],
)
def test_a_dateline_alone_is_no_evidence(sentence: str, alone: bool) -> None:
    """The splitter leaves a wire dateline as a sentence; the digest must not quote it as what happened."""
    assert is_dateline(sentence) is alone


def test_a_wire_dateline_is_read_for_its_place_and_day_and_taken_out_of_the_text() -> None:
    """A feed may put the title before the dateline: the title is not the place, and the text keeps the title."""
    text = "Putin opens summit ST. PETERSBURG, December 21. /TASS/. Russian President Vladimir Putin said."
    assert dateline(text) == ("ST. PETERSBURG", "December 21")
    assert " ".join(without_datelines(text).split()) == "Putin opens summit Russian President Vladimir Putin said."
    assert dateline("Moscow, Minsk sign a gas deal. Talks went on, the sides said.") is None


def test_a_dateline_with_the_agency_after_a_dash_is_one_too() -> None:
    """RIA's form: the place and day, then the agency after a dash, and the place may hold a dot and a hyphen."""
    text = "С.-ПЕТЕРБУРГ, 17 ноя - РИА Новости. Президент России сказал, что приедет."
    assert dateline(text) == ("С.-ПЕТЕРБУРГ", "17 ноя")
    assert " ".join(without_datelines(text).split()) == "Президент России сказал, что приедет."
    assert dateline("МОСКВА, 17 окт — РИА Новости, Наталья Дембинская. Ни эмбарго, ни цен.") == ("МОСКВА", "17 окт")


@pytest.mark.parametrize(
    "sentence,alone",
    [
        ("By Jonny Tickle", True),
        ("Автор: Иван Петров", True),
        ("By air and by land the troops came to Belarus", False),
        ("By 2030 the union programmes will be done.", False),
        ("Bypass road opened near Minsk", False),
    ],
)
def test_a_byline_alone_is_no_evidence(sentence: str, alone: bool) -> None:
    """RT's pages begin with their author's name; the model learned the name, the digest quoted it as evidence."""
    assert is_byline(sentence) is alone


def test_a_section_break_ends_a_sentence() -> None:
    """A transcript puts "* * *" between its account and the speeches: the account's last sentence and the
    speaker's greeting are two sentences, not one piece of evidence."""
    text = "Президенты ответили на вопросы журналистов. * * * В.Путин: Уважаемые коллеги! Рад приветствовать."
    assert sentences(text) == [
        "Президенты ответили на вопросы журналистов.",
        "В.Путин: Уважаемые коллеги!",
        "Рад приветствовать.",
    ]
    assert sentences("Сноска ** и * звёздочка") == ["Сноска ** и * звёздочка"]


def test_an_initial_or_an_abbreviated_title_ends_no_sentence() -> None:
    """2019-W51 led with "Petersburg, Vladimir Putin spoke with Alexander Lukashenko …": "In St." had been a
    sentence of its own."""
    text = "In St. Petersburg, Putin spoke with A. Lukashenko. Mr. Lavrov left. Встречу провёл В. Путин. Итоги позже."
    assert sentences(text) == [
        "In St. Petersburg, Putin spoke with A. Lukashenko.",
        "Mr. Lavrov left.",
        "Встречу провёл В. Путин.",
        "Итоги позже.",
    ]


@pytest.mark.parametrize(
    "text,kept",
    [
        ("Визит завершён. Смотрите также Переговоры в Минске 5 декабря 2024 года Стороны подписали договор.",
         "Визит завершён. Стороны подписали договор."),
        ("Talks ended. See also Talks in Minsk December 5, 2024 The sides signed a treaty.",
         "Talks ended. The sides signed a treaty."),
        ("Визит завершён.\nЧитайте также: Лукашенко прилетел в Москву\nСтороны подписали договор.",
         "Визит завершён. Стороны подписали договор."),
        ("Мы также смотрим на Минск, и они также.", "Мы также смотрим на Минск, и они также."),
        ("We see also that the sides agree.", "We see also that the sides agree."),
    ],
)  # fmt: skip
def test_a_link_to_another_page_is_taken_out_of_the_text(text: str, kept: str) -> None:
    assert " ".join(without_related(text).split()) == kept
