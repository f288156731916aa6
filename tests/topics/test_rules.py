"""The classifier's rules of method, one row a case: a title and a text beside the verdict an analyst gives.

Each row stands for a kind of mistake, not for an item of the labelled sets: a word read as another word, a word
counted twice, a phrase with a word inside it, a Belarusian form, one side named through a compound, a list
of countries, a passing mention, the setting of a meeting taken for its subject."""

from __future__ import annotations

import pytest

from pipeline.jobs.classifying import load_topic_set
from pipeline.settings import load_settings
from pipeline.topics.classify import Classifier
from tests.support.paths import ROOT


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_topic_set(load_settings(ROOT / "config" / "unionwatch.toml")))


FILLER = " ".join(
    f"Делегации обсудили гуманитарные связи, номер {n}." for n in range(6)
)  # sentences on something else, so that the text is long

CASES = [
    # (case, title, text, in scope, topics it must have, topics it must not have)
    ("values are not prices",
     "Лукашенко и Путин говорили о традиционных ценностях",
     "Президенты Беларуси и России обсудили приверженность традиционным ценностям и ценностям семьи. "
     "Минск и Москва будут защищать общие ценности.",
     True, [], ["energy-prices"]),
    ("gas debts are an energy matter, though no price is named",
     "Россия не исключает суда из-за газовых долгов Белоруссии",
     "Москва может обратиться в суд, если Минск не погасит долг.",
     True, ["energy-prices"], []),
    ("a gas price is a price",
     "Беларусь и Россия договорились о цене на газ",
     "Цена на газ для Беларуси в 2025 году останется на уровне 128,5 доллара за тысячу кубометров.",
     True, ["energy-prices"], []),
    ("the price of another good is not an energy price",
     "Россия и Белоруссия обсудили рост цен на яйца",
     "Цены на яйца выросли; ценовая ситуация спровоцирована сетями, поставки из Белоруссии не растут. "
     "Ценообразование на социальные продукты должно быть прозрачным, цена десятка достигла 170 рублей.",
     True, [], ["energy-prices"]),
    ("a transit ban on goods is not energy",
     "Lithuania bans the transit of Belarusian and Russian goods",
     "Vilnius banned the transit of goods from Belarus and Russia; transit to Kaliningrad of 4 million tonnes of "
     "cargo and supplies of fertiliser at the old prices are stopped.",
     True, [], ["energy-prices"]),
    ("prices beside the energy they are of are energy prices",
     "Belarus and Russia agree oil supplies and prices for next year",
     "Russia will supply 24 million tonnes of oil to Belarus; prices and the compensation for the tax manoeuvre "
     "were agreed in Minsk.",
     True, ["energy-prices"], []),
    ("the nuclear plant Rosatom built in Belarus names both sides",
     "First NPP in Belarus strengthened the country's energy security, Lukashenko says",
     "The Belarusian nuclear power plant now covers a third of the electricity Belarus uses, the president said.",
     True, ["energy-prices"], []),
    ("the treaty that governs the weapons Russia deploys in Belarus is the bases' subject",
     "Президент подписал закон о ратификации договора о гарантиях безопасности с Белоруссией",
     "Договор о гарантиях безопасности в рамках Союзного государства вступит в силу после обмена грамотами.",
     True, ["bases"], []),
    ("settling trade in the two currencies is payments, a trade subject",
     "Moscow and Minsk switch almost entirely to settlements in national currencies",
     "Nearly all payments between Russia and Belarus are now made in roubles and Belarusian roubles.",
     True, ["trade"], []),
    ("roaming charges between the two networks are a market for services",
     "Russia and Belarus agree to abolish roaming in the Union State",
     "Subscribers of Russian and Belarusian operators will pay home prices on the other side of the border.",
     True, ["trade"], []),
    ("pupils are not exercises",
     "Ученики из Беларуси и России встретились в Смоленске",
     "Школьники и ученики гимназий Беларуси и России провели совместный слёт; ученикам вручили грамоты.",
     True, [], ["bases"]),
    ("a word inside a phrase: the budget of the Union State",
     "Бюджет развития Союзного государства на 2025 год утверждён",
     "Совет министров Союзного государства утвердил бюджет развития Союзного государства: из него финансируются "
     "союзные программы Беларуси и России.",
     True, ["union-programmes"], []),
    ("Belarusian forms of the union programmes",
     "Саюзныя праграмы выкананы на 80 працэнтаў",
     "Урад Беларусі і Расіі абмеркаваў выкананне саюзных праграм. Савет Міністраў Саюзнай дзяржавы зацвердзіў "
     "бюджэт Саюзнай дзяржавы на наступны год.",
     True, ["union-programmes"], []),
    ("integration is the setting of a programme item, not its subject",
     "Russia and Belarus approve the union programmes",
     "The governments of Russia and Belarus approved the union programmes of integration of the Union State. The "
     "union programmes cover customs, energy and transport; the union programmes are funded from the budget.",
     True, ["union-programmes"], ["political-integration"]),
    ("a government's programme item: its integration talk is setting, not subject, below twice the programmes'",
     "Россия и Белоруссия одобрили союзные программы интеграции",
     "Совет министров Союзного государства одобрил союзные программы интеграции. Программы сближают экономики "
     "двух стран и углубляют интеграцию; их финансирует бюджет Союзного государства.",
     True, ["union-programmes"], ["political-integration"]),
    ("the same item naming the presidents keeps integration: a summit that signs programmes is both",
     "Россия и Белоруссия одобрили союзные программы интеграции",
     "Совет министров Союзного государства одобрил союзные программы интеграции к подписанию президентами. "
     "Программы сближают экономики двух стран и углубляют интеграцию; их финансирует бюджет Союзного государства.",
     True, ["union-programmes", "political-integration"], []),
    ("a summit on the union's future keeps both",
     "Putin and Lukashenko discuss deeper integration and sign union programmes",
     "The presidents of Russia and Belarus discussed deeper integration, sovereignty and the future of the Union "
     "State, and signed the union programmes.",
     True, ["political-integration"], []),
    ("anti-Russian names Russia",
     "Anti-Russian rhetoric in Belarus has increased",
     "Officials in Minsk warned that anti-Russian rhetoric in Belarus is being fuelled from abroad.",
     True, [], []),
    ("a Russian title with Belarus in passing is Russian news",
     "Russia's key ally moves to extend death penalty",
     "The parliament will debate the bill next week. Lawyers criticised the draft. "
     "The country, a close partner of Moscow, last used the penalty in Minsk.",
     False, [], []),
    ("a meeting of the two presidents is not political integration by itself",
     "Владимир Путин и Александр Лукашенко посетят Волгоград",
     "Путин и Лукашенко вместе посетят мемориальный комплекс и проведут переговоры, сообщил Кремль.",
     True, [], ["political-integration"]),
    ("the Union State's supreme body at work is political integration",
     "Заседание Высшего государственного совета Союзного государства прошло в Минске",
     "Лукашенко и Путин провели заседание Высшего государственного совета Союзного государства Беларуси и России.",
     True, ["political-integration"], []),
    ("the Union State's security is the armies' subject, not the union's",
     "Военные Беларуси и России обсудили безопасность Союзного государства",
     "Министры обороны двух стран обсудили безопасность Союзного государства и совместные учения войск в Беларуси.",
     True, ["bases"], ["political-integration"]),
    ("'Union State security' in English word order is the armies' subject too",
     "Missiles in Belarus guarantee Union State security, says envoy",
     "The deployment of Russian missiles in Belarus guarantees Union State security, the Russian ambassador said.",
     True, ["bases"], ["political-integration"]),
    ("a state secretary who is not the Union State's is no union body",
     "Belarus Security Council chief says new missiles deter the West",
     "State Secretary of the Belarusian Security Council said that the missiles Russia deployed in Belarus deter "
     "aggression against Russia and Belarus.",
     True, ["bases"], ["political-integration"]),
    ("the Union State's state secretary is its own body",
     "Госсекретарь Союзного государства обсудил будущее союза",
     "Госсекретарь Союзного государства России и Беларуси рассказал о будущем Союзного государства.",
     True, ["political-integration"], []),
    ("the Union State budget is the programmes' subject, not the union's",
     "Union State budget for next year approved",
     "The Council of Ministers of Russia and Belarus approved the Union State budget, which funds the union "
     "programmes.",
     True, ["union-programmes"], ["political-integration"]),
    ("the Union State named once in passing gives the talks and the 'union' nothing to add to",
     "Лукашенко и Путин встретились в Волгограде",
     "Президенты Беларуси и России провели переговоры и почтили память всех народов Советского Союза. "
     "Читайте также: молодёжный фестиваль Союзного государства.",
     True, [], ["political-integration"]),
    ("the Union State itself as the subject keeps political integration",
     "Союзное государство России и Беларуси отмечает годовщину",
     "Союзное государство создано договором 1999 года; президенты говорили о будущем Союзного государства.",
     True, ["political-integration"], []),
    ("the union by its 1997 name is the union itself",
     "Москва и Минск отметили годовщину Союза России и Белоруссии",
     "В Минске и Москве прошли торжества к годовщине создания Союза России и Белоруссии.",
     True, ["political-integration"], []),
    ("'the union with Russia' is this union",
     "Belarus is safe thanks to the union with Russia, minister says",
     "Belarus is protected by its union with Russia, the Belarusian foreign minister said in Minsk.",
     True, ["political-integration"], []),
    ("a customs union of three is not the union of the two",
     "Белоруссия и Россия в Таможенном союзе: что изменится на границе",
     "Таможенный союз России, Казахстана и Белоруссии снял таможенный контроль на общих границах.",
     True, [], ["political-integration"]),
    ("a title listing the pair among three states is a multilateral item",
     "Russia, Belarus, Kazakhstan sign common customs code",
     "The customs code of Russia, Belarus and Kazakhstan will come into force on July 1, the commission said.",
     False, [], []),
    ("a third state beside the pair's talks is no list",
     "Украина стала главной темой переговоров России и Белоруссии",
     "Президенты обсудили ситуацию на Украине и двустороннее сотрудничество.",
     True, [], []),
    ("Russia's parliament is Russia, as its ministers are",
     "State Duma ratifies agreement with Belarus on legal protection",
     "The lower house approved the agreement on Wednesday, the speaker said.",
     True, [], []),
    ("the two countries' athletes readmitted by a sports body is sport, not their relations",
     "Russian and Belarusian athletes to return at the Paralympics",
     "The Paralympic committee voted to let Russian and Belarusian athletes compete under their flags.",
     False, [], []),
    ("a meeting of the two presidents is in scope whatever the agenda, on the ice too",
     "Путин и Лукашенко сыграли в хоккей в Сочи",
     "Президенты России и Белоруссии провели матч на олимпийском объекте и обсудили сотрудничество.",
     True, [], []),
    ("two flags head a bilateral post: the flags name the two states",
     "🇷🇺 🇧🇾 on october 27, on the sidelines of the minsk conference on eurasian security, the foreign mini",
     "🇷🇺 🇧🇾 on october 27, on the sidelines of the minsk confere",
     True, [], []),
    ("the joint board of the two defence ministries names both, though the text stops before Russia",
     "Top news today: a meeting of the joint board session of defence ministries of the Republic of Belarus and the Ru",
     "A meeting of the joint board session",
     True, [], []),
    ("a row of flags heads a group's statement",
     "🇦🇲 🇧🇾 🇰🇿 🇰🇬 🇷🇺 🇹🇯 statement by the foreign ministers of the member states on the anniversary",
     "🇦🇲 🇧🇾 🇰🇿 🇰🇬 🇷🇺 🇹🇯 statement by the foreign ministers of the member states of the organisation.",
     False, [], []),
    ("a wire's dateline is where the reporter stood, not what the report is about",
     "Russia awaits US response on New START — Lavrov",
     "MINSK, October 28. /TASS/. Moscow is waiting for Washington to answer its proposal on the treaty, the "
     "Russian foreign minister told reporters on the sidelines of a conference.",
     False, [], []),
    ("a Moscow street named after Minsk is no side (our sentences, a road accident of the corpus)",
     "Авария на Минской улице в Москве: погибли семь человек",
     "На Минской улице в Москве столкнулись несколько автомобилей, сообщили в ГИБДД столицы.",
     False, [], []),
    ("Moscow's Belorussky station is no side",
     "В Москве от Белорусского вокзала снова пошёл трамвай",
     "Трамваи снова ходят от Белорусского вокзала через центр Москвы, сообщили в столичном департаменте "
     "транспорта.",
     False, [], []),
    ("the two presidents meeting at the station keep their relations in scope",
     "Путин и Лукашенко встретили поезд Победы на Белорусском вокзале",
     "Президенты России и Белоруссии обсудили союзные программы и сотрудничество двух стран.",
     True, [], []),
    ("'important' stems to 'import' but is no import",
     "Russia and Belarus call their coordination important",
     "Belarus and Russia find their coordination in the CIS important, the ministers said, stressing its importance.",
     True, [], ["trade"]),
    ("'based' stems to 'base' but is no military base",
     "Belarus and Russia approve programmes based on the Union State treaty",
     "The programmes of Belarus and Russia are based on the treaty, the Council of Ministers said.",
     True, [], ["bases"]),
    ("a prefix must not run into a name: мясн* caught Мясникович, the Belarusian premier",
     "Мясникович встретился с послом России в Минске",
     "Премьер-министр Белоруссии Михаил Мясникович обсудил с послом России двустороннее сотрудничество.",
     True, [], ["trade"]),
    ("the nouns themselves still count: imports and bases",
     "Belarus cuts imports of Russian cars as Moscow plans new air bases in Belarus",
     "Belarus reduced imports from Russia while Russian bases in Belarus expand, the ministry said.",
     True, ["trade", "bases"], []),
    ("the Forum of Regions is the two economies' own",
     "Forum of Russian and Belarusian Regions opens in Minsk",
     "Governors of Russian regions and Belarusian regions signed contracts at the forum of regions, where Russia "
     "and Belarus discussed supplies of machinery.",
     True, ["trade"], []),
    ("one sentence about tax in a long text is a passing mention",
     "Беларусь и Россия обсудили культурные обмены",
     "Министры культуры Беларуси и России обсудили гастроли театров. " + FILLER
     + " Попутно упомянули налоговый кодекс.",
     True, [], ["tax-code"]),
    ("a sports ban on both is sport, however often it names their flags",
     "Flags of Russia and Belarus banned at all Winter Olympic venues",
     "The organisers said the flags of Russia and Belarus will not be allowed at any Olympic venue. Athletes from "
     "Russia and Belarus compete as neutral athletes. Fans with Russian or Belarusian flags will be removed from "
     "Olympic venues, the organisers added.",
     False, [], []),
    ("the two presidents on the ice are still the two presidents meeting",
     "Путин и Лукашенко сыграли в хоккей в Сочи",
     "Президенты России и Белоруссии Владимир Путин и Александр Лукашенко после переговоров в Сочи вышли на лёд "
     "и сыграли в хоккей.",
     True, [], []),
    ("a capital is where talks with a third state were held, not a side of them",
     "Переговоры по газу в Минске обсудили Путин и украинский политик Медведчук",
     "Путин и Медведчук обсудили в Минске поставки газа на Украину.",
     False, [], []),
    ("a capital is where talks with a third state were held, also where a price is named",
     "Путин и украинская делегация обсудили в Минске цену газа",
     "Цена газа для Украины останется прежней, сказал Путин после переговоров в Минске.",
     False, [], []),
    ("a capital beside its side's own name is still that side",
     "Переговоры по газу в Минске: Россия и Белоруссия договорились о цене",
     "Делегации России и Белоруссии провели в Минске переговоры о цене газа, Украина следила за ними.",
     True, ["energy-prices"], []),
]  # fmt: skip


@pytest.mark.parametrize("case,title,text,relevant,has,lacks", CASES, ids=[c[0] for c in CASES])
def test_rules_of_method(
    classifier: Classifier, case: str, title: str, text: str, relevant: bool, has: list[str], lacks: list[str]
) -> None:
    result = classifier.classify(title, text)
    assert result.relevant is relevant, result.why
    assert set(has) <= set(result.topic_ids), (result.topic_ids, result.why)
    assert not set(lacks) & set(result.topic_ids), result.topics


def test_a_word_two_terms_match_counts_once(classifier: Classifier) -> None:
    """налог* and налогооблож* both match "налогообложение": one word, one mention, the more specific term."""
    text = "Беларусь и Россия обсудили налогообложение."
    [once] = [m for m in classifier.mentions([text]) if m[2] == "tax-code"]
    assert once[1].text == "налогооблож*"


@pytest.mark.parametrize(
    "pair,listed",
    [
        ("Россия и Белоруссия подписали соглашение", "Россия, Казахстан и Белоруссия подписали соглашение"),
        ("Russia and Belarus sign a treaty", "Russia, Belarus and Armenia sign a treaty in the EAEU"),
    ],
    ids=["ru", "en"],
)
def test_a_list_of_states_counts_half_the_pair(classifier: Classifier, pair: str, listed: str) -> None:
    assert classifier.classify(listed, "").relevance <= classifier.classify(pair, "").relevance / 2


def test_a_title_listing_states_says_so_when_it_keeps_an_item_out(classifier: Classifier) -> None:
    result = classifier.classify("Russia, Belarus, Kazakhstan sign common customs code", "")
    assert not result.relevant
    assert "the title lists the two among other states" in result.why


@pytest.mark.parametrize(
    "title,text,reason",
    [
        ("Посевная в Беларуси", "Лукашенко провёл совещание о посевной в Минске.", "Russia not named"),
        ("Посевная идёт по плану", "Лукашенко провёл совещание. Министр упомянул Москву.",
         "below the 4.0 needed (neither side is in the title"),
        ("Путин и украинская делегация обсудили в Минске цену газа", "",
         "Минске named only as the place of a third state's talks"),
    ],
    ids=["a side missing", "too little of both", "a capital as the venue"],
)  # fmt: skip
def test_out_of_scope_says_what_the_gate_needed(classifier: Classifier, title: str, text: str, reason: str) -> None:
    result = classifier.classify(title, text)
    assert not result.relevant and reason in result.why, result.why


INTEGRATION_TALKS = (
    "Министр экономики об интеграции: позиции сторон понятны",
    "Министр экономики Беларуси рассказал о ходе интеграционных переговоров. Белорусский рубль сохранится, "
    "решение по налогам остаётся за правительством.",
)


@pytest.mark.parametrize(
    "url,lang,relevant",
    [
        ("https://news.example.by/economics/1.html", "ru", True),
        ("https://tass.com/economy/1", "en", True),
        ("", "be", True),
        ("https://www.example.de/belarus/1", "ru", False),
        ("", "ru", False),
    ],
    ids=["a Belarusian outlet", "a Russian outlet", "written in Belarusian", "a German outlet", "no outlet known"],
)
def test_at_home_integration_needs_no_qualifier(classifier: Classifier, url: str, lang: str, relevant: bool) -> None:
    """A Minsk paper on "the integration talks" names Belarus and never Russia: at home the word means this pair."""
    result = classifier.classify(*INTEGRATION_TALKS, url=url, lang=lang)
    assert result.relevant is relevant, result.why
    assert ("Russia implied" in result.why) is relevant


def test_at_home_another_integration_is_not_this_one(classifier: Classifier) -> None:
    """Integration in the EAEU with Kazakhstan, or a word deep in a long text, supplies no side."""
    eaeu = classifier.classify(
        "Министр экономики об интеграции в ЕАЭС",
        "Министр экономики Беларуси рассказал об интеграции с Казахстаном в рамках союза.",
        url="https://news.example.by/1",
    )
    passing = classifier.classify(
        "Министр экономики о посевной", "Министр экономики Беларуси рассказал о посевной. " + FILLER
        + " Попутно упомянули интеграцию.", url="https://news.example.by/2",
    )  # fmt: skip
    assert not eaeu.relevant and not passing.relevant, (eaeu.why, passing.why)


def test_integrity_is_not_integration(classifier: Classifier) -> None:
    text = "Russia supports the territorial integrity of Belarus, the minister said in Minsk."
    integrity = dict(classifier.classify("Russia backs Belarus", text).scores)
    integration = dict(classifier.classify("Russia backs Belarus", text.replace("integrity", "integration")).scores)
    assert "@pair" not in integrity and integration["@pair"] > 0


def test_a_link_to_another_page_is_not_a_sentence_of_this_one(classifier: Classifier) -> None:
    """A page names the site's other pages inside its text ("Смотрите также <their title> <date>"). The link
    neither brings a report into scope nor serves as its evidence, glued as it is to the sentence after it."""
    visit = (
        "Президент России и Президент Белоруссии посетили мемориал на Мамаевом кургане и возложили венки. "
        "Мемориал открыт в 1967 году. Смотрите также Форум Союзного государства России и Белоруссии "
        "29 апреля 2025 года Дополнительно Поездка в Волгоград"
    )
    assert classifier.classify("Посещение мемориала", visit).relevant is False
    talks = classifier.classify(
        "Переговоры в Кремле",
        "Смотрите также Переговоры с Президентом Белоруссии 13 марта 2025 года Россия и Белоруссия продолжат "
        "строить Союзное государство и углублять политическую интеграцию, сказал Путин.",
    )
    said = [s for m in talks.topics for s in m.evidence]
    assert said and not [s for s in said if "Смотрите" in s], said
