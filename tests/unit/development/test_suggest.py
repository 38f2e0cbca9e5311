import copy
import random
import unicodedata

import pytest

from auditapp.development.suggest import (
    FindingText,
    Reason,
    Suggestion,
    suggest_duplicates,
)

# Where findings are logged: (touchpoint id, channel, stage). "till" and "floor" are two
# touchpoints in one channel and stage; "account" findings are logged on the stage.
PLACES = {
    "site": (1, "web", "Tiedonhankinta"),
    "chat": (2, "chat", "Tiedonhankinta"),
    "phone": (3, "phone", "Tiedonhankinta"),
    "checkout": (4, "web", "Ostotapahtuma"),
    "till": (5, "physical", "Ostotapahtuma"),
    "floor": (6, "physical", "Ostotapahtuma"),
    "email": (7, "email", "Oston jälkeen"),
    "complaints": (8, "phone", "Oston jälkeen"),
    "account": (None, "web", "Oston jälkeen"),
}
SIBLINGS = {"till": "floor", "floor": "till"}

# One finding per line, under the place it was logged at: the original's title |
# description, then optionally how a second auditor wrote up the same issue
# (rephrased, other word order, other Finnish case forms).
FINDINGS_TEXT = """
[site]
Aukioloajat puuttuvat etusivulta | Myymälän aukioloaikoja ei löydy etusivulta, ne ovat vasta yhteystiedot-sivun alalaidassa. | Aukioloaikoja ei löytynyt etusivulta | Etsin aukioloaikoja etusivulta turhaan, löytyivät lopulta yhteystiedoista.
Hintoja ei näy ilman kirjautumista | Tuotesivuilla hinta näkyy vasta, kun on kirjautunut sisään. | Hinnat näkyvät vasta kirjautumisen jälkeen | Tuotteen hintaa ei nähnyt ennen sisäänkirjautumista.
Search returns no results for product codes | Typing a product code such as 4411 into site search gives an empty result page. | Site search finds nothing with a product code | Searching by the code printed in the catalogue returned zero results.
Evästebanneri peittää puolet mobiilinäkymästä | Puhelimella evästeilmoitus vie puolet ruudusta, eikä sulkemisnappia erota. | Evästeilmoitus peittää mobiilissa puolet näytöstä | Evästeiden hyväksyntä vie puhelimen ruudusta ison osan.
Product images are low resolution | Zooming into product photos shows blurry, pixelated images.
Sivuston kielivalinta on piilossa | Kielen vaihto englanniksi löytyy vain alatunnisteesta pienellä fontilla. | Kielivalinta on piilotettu alatunnisteeseen | Englanninkielisen sivuston linkki on vain sivun alareunassa.
Contact form gives no confirmation | After sending the contact form the page reloads with no message that it was received. | No confirmation after submitting the contact form | Sent the form and nothing told me it had gone through.
Toimitusajoista ei kerrota tuotesivulla | Tuotesivulla ei mainita, kuinka nopeasti tilaus toimitetaan.
Menu links lead to 404 pages | Two links under Services in the main menu open a page-not-found error.
Sivut latautuvat hitaasti puhelimella | Etusivun lataus 4G-yhteydellä kesti yli kymmenen sekuntia. | Sivusto latautuu puhelimella todella hitaasti | Mobiiliyhteydellä etusivu aukesi vasta reilun kymmenen sekunnin päästä.
Store locator map does not load | The map on the find-a-store page stays grey and shows no stores.
Tuotevertailu ei toimi | Vertaa-painike ei lisää tuotteita vertailuun, lista pysyy tyhjänä.
Palautusehdot ovat vaikeaselkoisia | Palautusehdot ovat pitkä juridinen teksti ilman tiivistelmää.
[chat]
Chat ei vastaa iltaisin | Kello 18 jälkeen chat jää odottamaan, eikä aukioloaikaa kerrota. | Chattiin ei vastattu illalla | Kysyin chatissa illalla kuuden jälkeen, eikä vastausta tullut.
Chatbot loops back to the main menu | Every answer I typed took the bot back to the main menu instead of a person. | The chat bot keeps looping to the menu | Bot kept sending me back to the start menu, never reached a human.
Chat-ikkuna peittää ostoskorin painikkeen | Avattuna chat-ikkuna on mobiilissa ostoskori-painikkeen päällä. | Chat-ikkuna on ostoskorin napin päällä | Puhelimella en päässyt ostoskoriin, koska chat oli sen edessä.
Agent asked for the order number three times | The chat agent asked for my order number again after each transfer.
Chatin jonotusaika yli 15 minuuttia | Jonossa olin 17 minuuttia, eikä arvioitua odotusaikaa näytetty. | Chatissa jonotettiin yli vartti | Odotin chat-jonossa 17 minuuttia ilman tietoa jonon pituudesta.
Chat transcript is not emailed | There was no option to get a copy of the conversation by email.
Chatissa vastataan vain suomeksi | Englanniksi kysyttyyn kysymykseen vastattiin suomeksi.
Chat window cannot be reopened after closing | Once closed, the chat bubble disappears until the page is reloaded. | Closed chat window cannot be opened again | After I closed the chat there was no way back to it without reloading.
Chatin tervehdysviesti on kankea | Automaattinen aloitusviesti on pitkä ja virkakielinen.
Bot gives outdated opening hours | The bot said the store is open until 21, but it closes at 20.
Liitteen lähettäminen chatissa ei onnistu | Kuvan lähettäminen chatissa epäonnistuu ilman virheilmoitusta. | Kuvaa ei voi lähettää chattiin | Yritin liittää kuvan chattiin, mutta mitään ei tapahtunut.
Chat-kysely aukeaa kesken keskustelun | Tyytyväisyyskysely ponnahti esiin ennen kuin asia oli hoidettu.
[phone]
Puhelinjono on liian pitkä | Asiakaspalveluun jonotin 25 minuuttia arkipäivänä kello 10. | Asiakaspalvelun puhelinjonossa odotettiin pitkään | Jonotin puhelimessa lähes puoli tuntia ennen kuin vastattiin.
IVR menu has too many levels | I had to go through four menu levels before reaching the right queue. | Too many levels in the phone menu | Four rounds of press 1, press 2 before I got a queue.
Takaisinsoittopyyntöön ei soitettu | Jätin takaisinsoittopyynnön aamulla, eikä kukaan soittanut samana päivänä. | Takaisinsoittoa ei tullut | Pyysin takaisinsoittoa, mutta puhelua ei koskaan tullut.
Call was transferred and dropped | When the agent transferred me to sales the line went dead. | Line dropped during transfer to sales | The call cut off while I was being put through to sales.
Puhelun hinta ei ole tiedossa | Verkkosivuilla ei kerrota, maksaako asiakaspalvelunumeroon soittaminen.
Agent could not answer product questions | The agent had to guess the product dimensions and promised to check later.
Jonotusmusiikki on kovaäänistä | Jonotusmusiikki särisee ja on selvästi puhetta kovemmalla.
Phone number on website is outdated | The number on the contact page leads to a closed line. | Outdated phone number on the contact page | Called the number listed on the website and got a line no longer in use.
Asiakaspalvelija ei esittäytynyt | Puheluun vastattiin pelkällä haloo-sanalla.
Opening hours for phone service are unclear | The site shows two different sets of hours for phone service.
Sama asia piti selittää kolmelle henkilölle | Minua siirrettiin kolme kertaa, ja jouduin kertomaan asiani joka kerta alusta. | Asia piti kertoa uudestaan jokaiselle henkilölle | Jouduin selittämään asiani alusta jokaisen siirron jälkeen.
No option to get a call back instead of waiting | The queue message offers no call-back, only waiting on the line.
[checkout]
Kassalla pakotetaan luomaan tili | Ostoa ei voi tehdä vieraana, vaan tili on luotava ennen maksua. | Tilin luominen on pakollista kassalla | Vierasostoa ei ole, kassa vaatii rekisteröitymisen.
Discount code field is hard to find | The promo code field is hidden behind a small link below the total. | Hard to find where to enter the discount code | Looked for the promo code box for a minute; it is a tiny link.
Toimituskulut selviävät vasta viimeisellä sivulla | Toimitusmaksu lisätään vasta maksuvaiheessa, mikä yllättää. | Toimituskulut näkyvät vasta viimeisessä vaiheessa | Postikulut tulivat yllätyksenä vasta maksusivulla.
MobilePay payment fails on iPhone | Choosing MobilePay in Safari returns to the cart with an error. | MobilePay does not work on iPhone | Paying with MobilePay on my iPhone failed and sent me back to the cart.
Osoitekenttä ei hyväksy ääkkösiä | Katuosoite Mäkikatu hylätään virheellisenä. | Ääkköset eivät kelpaa osoitekenttään | Osoitteeni Mäkikatu ei kelvannut, lomake valitti ä-kirjaimesta.
Cart empties after login | Logging in during checkout removed all items from the cart. | Shopping cart is emptied when logging in | Signed in at checkout and my cart was suddenly empty.
Noutopistettä ei voi valita kartalta | Noutopisteet näkyvät vain pitkänä listana ilman karttaa.
Error messages appear at the top of the page | Validation errors show at the top, so on a phone you do not see them.
Maksuvaihtoehtoja on vain kaksi | Kassalla tarjotaan vain korttimaksu ja lasku, ei verkkopankkia.
Order total changes between steps | The total was 54,90 on the cart page and 56,40 on the payment page.
Kassan vaiheiden määrä ei näy | Ostoprosessissa ei näytetä, montako vaihetta on jäljellä.
Checkout times out too quickly | After ten minutes on the payment page the session expired and I had to start again. | Session expires during checkout | I was logged out in the middle of paying and lost everything.
Toimitustavan hinta puuttuu valintalistasta | Toimitustapoja valitessa ei näy, mitä kukin maksaa.
[till]
Kassajono on pitkä ruuhka-aikaan | Lauantaina kello 12 jonossa oli 11 asiakasta ja vain yksi kassa auki. | Ruuhka-aikaan kassalla jonotettiin pitkään | Lauantain ruuhkassa vain yksi kassa oli auki ja jono kasvoi pitkäksi.
Card terminal does not accept contactless payments | The terminal at till 2 rejected contactless cards and phones. | Contactless payment fails at the card terminal | Tried to pay contactless twice, terminal said declined, chip and PIN worked.
Myyjä ei tervehtinyt kassalla | Kassalla ei tervehditty eikä katsottu silmiin. | Kassalla asiakasta ei tervehditty | Kassahenkilö ei sanonut päivää eikä katsonut asiakasta.
Receipt is not offered by email | Only a paper receipt is available; staff did not know about digital receipts.
Kanta-asiakaskortin tunnistus kestää | Kanta-asiakasnumeron syöttäminen vei kassalla yli minuutin. | Kanta-asiakaskortin tunnistaminen kesti kauan | Kassalla kanta-asiakkuuden etsiminen vei yli minuutin.
Prices at the till differ from shelf labels | The shelf said 9,90 but the till charged 12,90. | Shelf price and till price did not match | Charged 12,90 at the till for an item labelled 9,90.
Kassalla ei ole paperipusseja | Tarjolla oli vain muovipusseja.
Self-checkout needs staff approval for every item | Each scanned item at self-checkout waited for an employee.
Lahjapaketointia ei tarjottu | Lahjaksi ostettua tuotetta ei tarjottu paketoitavaksi.
Queue order at the tills is unclear | Two queues merge at the tills with no sign, which causes confusion.
Palautusten käsittely hidastaa kassajonoa | Samalla kassalla hoidetaan palautuksia, joten jono pysähtyy.
[floor]
Sovituskopeissa ei ole koukkuja | Vaatteille on vain yksi koukku, muut joutuu laskemaan lattialle. | Sovituskopista puuttuvat koukut | Sovituskopissa ei ollut paikkaa ripustaa vaatteita.
Staff not available on the floor | I waited eight minutes to find someone to ask about sizes. | No staff to be found on the shop floor | Walked around the store for eight minutes looking for help.
Hyllynreunahinnat puuttuvat | Monesta tuotteesta puuttui hintalappu hyllystä. | Hintalaput puuttuvat hyllyistä | Useasta tuotteesta ei löytynyt hintaa hyllyn reunasta.
Signs to the fitting rooms are missing | Nothing tells you where the fitting rooms are.
Verkossa saatavilla oleva tuote puuttuu hyllystä | Verkkosivun mukaan tuotetta oli myymälässä, mutta hylly oli tyhjä. | Tuote puuttui hyllystä, vaikka verkossa sitä oli saatavilla | Saatavuustieto verkkosivuilla ei pitänyt paikkaansa myymälässä.
Aisles blocked by delivery boxes | Cardboard boxes blocked the aisle so a pram could not pass. | Delivery boxes blocking the aisles | A stroller could not get through the aisle because of boxes.
Sovituskopin verho ei mene kiinni | Verhossa on rako, eikä sitä saa kokonaan kiinni.
Music in the store is too loud | Conversation with staff was hard because of the music.
Lattia oli märkä sisäänkäynnillä | Sisäänkäynnin kohdalla oli liukas märkä lattia ilman varoituskylttiä. | Märkä ja liukas lattia sisäänkäynnin kohdalla | Ovella lattia oli märkä, eikä siitä varoitettu.
Demo units are broken | Two of the three demo phones did not switch on.
Myyjä ei osannut neuvoa tuotteen käytössä | Myyjä ei tiennyt, miten laitteen asetukset tehdään.
[email]
Tilausvahvistus tulee roskapostiin | Vahvistusviesti meni Gmailissa roskapostikansioon. | Tilausvahvistus menee roskapostikansioon | Tilauksen vahvistus päätyi roskapostiin.
Confirmation email lacks delivery date | The order confirmation does not tell when the parcel will arrive. | No delivery date in the order confirmation email | Could not see from the confirmation when to expect the delivery.
Palautekysely tulee ennen kuin tuote on saapunut | Kysely tuotteen käytöstä saapui päivää ennen toimitusta. | Palautekysely lähetettiin ennen toimitusta | Sain kyselyn tuotteesta, jota en ollut vielä saanut.
Unsubscribe link does not work | Clicking unsubscribe opens a blank page and the emails keep coming. | The unsubscribe link in newsletters is broken | Tried to unsubscribe, got an empty page, still getting mail.
Seurantalinkki ei toimi | Sähköpostin lähetyksen seurantalinkki johtaa virhesivulle. | Lähetyksen seurantalinkki on rikki | Seurantalinkistä aukesi vain virheilmoitus.
Reply to a support email took a week | The answer to my question about a missing part came after seven days.
Sähköpostit tulevat vain englanniksi | Vaikka asioin suomeksi, kaikki viestit tulivat englanniksi.
Too many marketing emails after purchase | I received five offers within a week of buying. | Flood of marketing emails after buying | Five sales emails in the first week after my order.
Laskua ei voi avata puhelimella | Lasku on liitteenä muodossa, jota puhelin ei avaa.
Email signature has no phone number | The reply from customer service gave no way to call back.
Palautusohjeet puuttuvat toimitusviestistä | Toimitusviestissä ei kerrota, miten tuotteen voi palauttaa.
[complaints]
Reklamaation käsittely kestää viikkoja | Reklamaatiosta ei kuulunut mitään kolmeen viikkoon. | Reklamaatio jäi käsittelemättä viikoiksi | Kolmen viikon jälkeen reklamaatiooni ei ollut vastattu.
Agent asks for the receipt although the purchase is in the loyalty account | The purchase is visible in my account, but the agent insisted on the paper receipt. | Receipt demanded even though the purchase is in my loyalty account | They wanted the paper receipt for a purchase they could see on my card.
Takuuasiassa ohjattiin valmistajalle | Puhelimessa käskettiin ottamaan yhteyttä suoraan valmistajaan. | Takuukorjaukseen ohjattiin valmistajan puoleen | Takuuasia sysättiin valmistajalle, vaikka ostin tuotteen teiltä.
No case number given for the complaint | Nothing to refer to when I call again about the same issue. | Complaint got no case number | I was not given any reference number for my complaint.
Asiakaspalvelija oli tyly | Reklamaatiopuhelussa sävy oli vähättelevä.
Refund promised but not paid | The agent promised a refund in five days; nothing came in three weeks. | Promised refund never arrived | Still waiting for the refund the agent promised three weeks ago.
Puhelun jälkeen ei tullut yhteenvetoa | Sovituista asioista ei lähetetty viestiä puhelun jälkeen.
Complaint line open only during office hours | Working people cannot call about a faulty product before 16.
Jouduin soittamaan itse perään | Luvattua paluusoittoa ei tullut, joten soitin kolme kertaa uudelleen.
Agent could not see earlier contacts | My previous call and email were not visible to the agent.
[account]
Palautuslomake ei toimi mobiilissa | Palautuslomakkeen lähetä-painike ei reagoi puhelimella. | Palautuslomaketta ei voi lähettää puhelimella | Mobiilissa palautuslomakkeen lähettäminen ei onnistunut.
Order history is empty in my account | My account shows no orders although I have bought twice. | My account does not show past orders | The orders page in my account is empty.
Tuotearvostelun jättäminen vaatii kirjautumisen | Arvostelua ei voi jättää ilman tiliä.
Invoice cannot be downloaded | The download invoice button gives an error. | Downloading the invoice fails | Clicking to download my invoice shows an error page.
Käyttöohjeet löytyvät vain englanniksi | Tuotteen käyttöohje on verkossa vain englanninkielisenä.
Password reset email never arrives | Asked for a reset link three times, nothing came. | Password reset link does not arrive | No reset email even after several tries.
Tilauksen tila ei päivity | Tila on käsittelyssä, vaikka paketti on jo noudettu. | Tilauksen tilatieto ei päivittynyt | Paketti oli haettu, mutta tilauksen tila näytti yhä käsittelyssä.
FAQ does not cover returns from abroad | No instructions for returning a product bought while travelling.
Uutiskirjeen peruminen vaatii kirjautumisen | Uutiskirjeestä ei pääse eroon ilman tunnuksia.
Warranty registration form loses input | The form cleared itself after an error in the serial number.
"""  # noqa: E501 (one finding per line reads better than wrapped tuples)


def _parse_findings(text):
    findings, place = {}, None
    for line in text.strip().splitlines():
        if line.startswith("["):
            place = line.strip("[]")
            findings[place] = []
        else:
            findings[place].append(tuple(part.strip() for part in line.split("|")))
    return findings


FINDINGS = _parse_findings(FINDINGS_TEXT)

SEED = 20240611
TOTAL = 200
PLANTED = 40


def _typo(rng, text):
    words = text.split()
    long_words = [i for i, word in enumerate(words) if len(word) >= 5]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    at = rng.randrange(1, len(word) - 2)
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == "drop":
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[i] = word
    return " ".join(words)


def _move_last_word_first(rng, text):
    words = text.split()
    return " ".join([words[-1].capitalize(), *words[:-1]])


def _lower(rng, text):
    return text.lower()


def _decomposed(rng, text):
    # A phone keyboard may send "ä" as "a" + a combining diaeresis.
    return unicodedata.normalize("NFD", text)


NOISE = [_typo, _move_last_word_first, _lower, _decomposed]


def _noisy(rng, text):
    for change in rng.sample(NOISE, rng.randint(0, 2)):
        text = change(rng, text)
    return text


def _unrelated_places(place):
    # A touchpoint has one channel and stage, so this also means another touchpoint.
    _, channel, stage = PLACES[place]
    return [
        other
        for other, (_, other_channel, other_stage) in PLACES.items()
        if (other_channel, other_stage) != (channel, stage)
    ]


def _finding(key, place, title, description):
    touchpoint, channel, stage = PLACES[place]
    return FindingText(key, title, description, touchpoint, channel, stage)


def build_fixture(seed=SEED):
    """Return (findings, {planted key: original key}, {decoy key: original key}).

    Originals are every line of FINDINGS. Planted near-duplicates are a second
    auditor's version of 40 of them, with typos, word order or case changed, logged at
    the same touchpoint or (for "till"/"floor") at the sibling touchpoint. Decoys copy
    an original's text to a place with another touchpoint and another channel or stage,
    so they must never be suggested for it. Keys are shuffled.
    """
    rng = random.Random(seed)
    rows = []
    for place, lines in FINDINGS.items():
        rows.extend((place, *parts) for parts in lines)
    n_decoys = TOTAL - PLANTED - len(rows)
    keys = rng.sample(range(1, TOTAL + 1), TOTAL)
    findings, planted, decoys = [], {}, {}
    for place, title, description, *_ in rows:
        findings.append(_finding(keys.pop(), place, title, description))
    originals = list(findings)
    with_alternative = [i for i, row in enumerate(rows) if len(row) == 5]
    for i in rng.sample(with_alternative, PLANTED):
        place, _, _, title, description = rows[i]
        if place in SIBLINGS and rng.random() < 0.5:
            place = SIBLINGS[place]
        key = keys.pop()
        findings.append(
            _finding(key, place, _noisy(rng, title), _noisy(rng, description))
        )
        planted[key] = originals[i].key
    for i in rng.choices(range(len(rows)), k=n_decoys):
        place = rng.choice(_unrelated_places(rows[i][0]))
        key = keys.pop()
        findings.append(_finding(key, place, rows[i][1], rows[i][2]))
        decoys[key] = originals[i].key
    rng.shuffle(findings)
    return findings, planted, decoys


def _suggested_for(new, findings, **kwargs):
    return [s.key for s in suggest_duplicates(new, findings, **kwargs)]


def test_fixture_has_200_findings_with_40_planted_near_duplicates():
    findings, planted, decoys = build_fixture()

    assert len(findings) == TOTAL
    assert len({finding.key for finding in findings}) == TOTAL
    assert len(planted) == PLANTED
    assert len(decoys) == TOTAL - PLANTED - sum(map(len, FINDINGS.values()))
    assert {len(parts) for lines in FINDINGS.values() for parts in lines} == {2, 4}


@pytest.mark.parametrize("seed", [SEED, 1, 2])
def test_planted_near_duplicates_get_their_original_suggested(seed):
    findings, planted, _ = build_fixture(seed)
    by_key = {finding.key: finding for finding in findings}

    found = [
        original
        for duplicate, original in planted.items()
        if original in _suggested_for(by_key[duplicate], findings)
    ]

    assert len(found) / len(planted) >= 0.8


@pytest.mark.parametrize("seed", [SEED, 1, 2])
def test_planted_near_duplicates_get_few_other_suggestions(seed):
    findings, planted, _ = build_fixture(seed)
    by_key = {finding.key: finding for finding in findings}

    others = [
        key
        for duplicate, original in planted.items()
        for key in _suggested_for(by_key[duplicate], findings)
        if key != original
    ]

    # At most one wrong suggestion per four duplicates: the list stays worth reading.
    assert len(others) <= PLANTED // 4


def test_copies_in_another_place_are_never_suggested():
    findings, planted, decoys = build_fixture()
    originals = set(planted.values())

    suggested_decoys = [
        (new.key, key)
        for new in findings
        for key in _suggested_for(new, findings)
        if key in decoys and decoys[key] in {new.key, planted.get(new.key)}
    ]

    assert originals & set(decoys.values())  # the fixture does hold such copies
    assert suggested_decoys == []


def test_suggestions_come_only_from_the_same_touchpoint_or_channel_and_stage():
    findings, _, _ = build_fixture()

    wrong = []
    for new in findings:
        for suggestion in suggest_duplicates(new, findings, threshold=0):
            other = next(f for f in findings if f.key == suggestion.key)
            if suggestion.reason is Reason.SAME_TOUCHPOINT:
                ok = new.touchpoint_id is not None
                ok = ok and other.touchpoint_id == new.touchpoint_id
            else:
                ok = (other.channel, other.stage_name) == (new.channel, new.stage_name)
            if not ok:
                wrong.append((new.key, other.key))

    assert wrong == []


def test_suggest_duplicates_changes_nothing_in_its_inputs():
    findings, planted, _ = build_fixture()
    new = next(f for f in findings if f.key in planted)
    before_new, before_findings = copy.deepcopy(new), copy.deepcopy(findings)
    order = [finding.key for finding in findings]

    suggestions = suggest_duplicates(new, findings)

    assert suggestions  # it did find something, and still changed nothing
    assert all(isinstance(s, Suggestion) for s in suggestions)
    assert new == before_new
    assert findings == before_findings
    assert [finding.key for finding in findings] == order


def _text(key, title, description="", touchpoint=1, channel="web", stage="Ostaminen"):
    return FindingText(key, title, description, touchpoint, channel, stage)


def test_same_text_in_another_channel_or_stage_is_not_suggested():
    new = _text("new", "Kassajono on liian pitkä", touchpoint=None)
    candidates = [
        _text("other channel", new.title, touchpoint=None, channel="physical"),
        _text("other stage", new.title, touchpoint=None, stage="Oston jälkeen"),
        _text("other touchpoint", new.title, touchpoint=2, channel="phone"),
    ]

    assert suggest_duplicates(new, candidates) == []


def test_reasons_prefer_same_touchpoint_and_compare_labels_loosely():
    new = _text("new", "Kassajono on liian pitkä")
    candidates = [
        _text("sibling", new.title, touchpoint=2, channel="WEB", stage=" ostaminen "),
        _text("no touchpoint", new.title, touchpoint=None),
        _text("same", new.title),
    ]

    assert suggest_duplicates(new, candidates) == [
        Suggestion("same", 100.0, Reason.SAME_TOUCHPOINT),
        Suggestion("sibling", 100.0, Reason.SAME_CHANNEL_AND_STAGE),
        Suggestion("no touchpoint", 100.0, Reason.SAME_CHANNEL_AND_STAGE),
    ]


def test_blank_channel_and_stage_do_not_count_as_the_same_place():
    new = _text("new", "Kuitti ei tulostu", touchpoint=None, channel="", stage="")
    candidates = [_text("old", new.title, touchpoint=None, channel="", stage=" ")]

    assert suggest_duplicates(new, candidates) == []


def test_findings_without_a_touchpoint_match_on_channel_and_stage():
    new = _text("new", "Palautuslomake ei toimi", touchpoint=None)
    candidates = [_text("old", "Palautuslomake ei toimi mobiilissa", touchpoint=None)]

    assert [(s.key, s.reason) for s in suggest_duplicates(new, candidates)] == [
        ("old", Reason.SAME_CHANNEL_AND_STAGE)
    ]


def test_the_new_finding_itself_is_not_suggested():
    new = _text(7, "Chat ei vastaa iltaisin")

    assert suggest_duplicates(new, [new, _text(8, new.title)]) == [
        Suggestion(8, 100.0, Reason.SAME_TOUCHPOINT)
    ]


def test_suggestions_are_sorted_most_similar_first():
    new = _text("new", "Chat ei vastaa iltaisin")
    candidates = [
        _text("typo", "Chat ei vastaa ilatisin"),
        _text("exact", "Chat ei vastaa iltaisin"),
        _text("reworded", "Chattiin ei vastattu illalla"),
    ]

    result = suggest_duplicates(new, candidates, threshold=0)

    assert [s.key for s in result] == ["exact", "typo", "reworded"]
    assert result[0].similarity == 100.0
    assert 0 < result[2].similarity < result[1].similarity < 100


@pytest.mark.parametrize(
    "title,other",
    [
        (
            "Kassajono on pitkä ruuhka-aikaan",
            "Ruuhka-aikaan kassalla jonotettiin pitkään",
        ),
        ("Aukioloajat puuttuvat etusivulta", "aukioloaikoja ei löytynyt etusivulta"),
        (
            "Tilausvahvistus tulee roskapostiin",
            "Tilausvahvistus menee roskapostikansioon",
        ),
        ("Osoitekenttä ei hyväksy ääkkösiä", "Ääkköset eivät kelpaa osoitekenttään"),
        ("Hintalaput puuttuvat hyllyistä", "Hintalappu puuttuu hyllystä"),
        ("Chat ei vastaa iltaisin", "Iltaisin chat ei vastaa"),
        ("Cart empties after login", "Shopping cart is emptied when logging in"),
    ],
)
def test_rephrased_and_inflected_titles_are_suggested(title, other):
    new, candidate = _text("new", title), _text("old", other)

    assert _suggested_for(new, [candidate]) == ["old"]


@pytest.mark.parametrize(
    "finding,other",
    [
        (
            ("Chatin tervehdysviesti on kankea", "Aloitusviesti on virkakielinen."),
            (
                "Chat-ikkuna peittää ostoskorin",
                "Ikkuna on mobiilissa painikkeen päällä.",
            ),
        ),
        (
            ("Kassajono on pitkä ruuhka-aikaan", "Vain yksi kassa oli auki."),
            ("Kassalla ei ole paperipusseja", "Tarjolla oli vain muovipusseja."),
        ),
        (
            ("Seurantalinkki ei toimi", "Linkki johtaa virhesivulle."),
            ("Tuotevertailu ei toimi", "Vertailulista pysyy tyhjänä."),
        ),
        (
            ("Unsubscribe link does not work", "The emails keep coming."),
            ("Store locator map does not load", "The map stays grey."),
        ),
    ],
)
def test_different_issues_at_one_touchpoint_are_not_suggested(finding, other):
    new, candidate = _text("new", *finding), _text("old", *other)

    assert suggest_duplicates(new, [candidate]) == []


def test_decomposed_and_composed_umlauts_compare_equal():
    composed = _text("nfc", "Mäkikatu ei kelpaa osoitteeksi", "Lomake hylkää ä:n.")
    decomposed = _text(
        "nfd",
        unicodedata.normalize("NFD", composed.title),
        unicodedata.normalize("NFD", composed.description),
    )

    assert suggest_duplicates(composed, [decomposed]) == [
        Suggestion("nfd", 100.0, Reason.SAME_TOUCHPOINT)
    ]


def test_a_blank_description_leaves_the_titles_to_decide():
    detailed = _text(
        "old", "Kuitti ei tulostu", "Kassan tulostin oli jumissa koko päivän."
    )
    quick = _text("new", "Kuitti ei tulostu")

    assert suggest_duplicates(quick, [detailed]) == [
        Suggestion("old", 100.0, Reason.SAME_TOUCHPOINT)
    ]


@pytest.mark.parametrize("threshold,expected", [(0, ["old"]), (100.1, [])])
def test_threshold_bounds_what_is_suggested(threshold, expected):
    new = _text("new", "Sovituskopin verho ei mene kiinni")
    candidate = _text("old", "Music in the store is too loud")

    assert _suggested_for(new, [candidate], threshold=threshold) == expected
