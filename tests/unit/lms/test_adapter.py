"""NcipLms against the simulator's responder in-process (real NCIP bytes both ways): switches,
profiles, problems, "already checked in", NCIP 1 refusal, institutional patron, transport."""

from __future__ import annotations

import pytest

from reshare.lms.adapter import ManualLms, NcipLms, NcipOptions, Switches
from reshare.lms.ncip.client import NcipClient
from reshare.lms.ncip.messages import Header
from reshare.lms.ncip.xml import parse_xml, schema
from reshare.lms.profiles import PROFILES, profile_for
from reshare.lms.sim import ncip as responder
from reshare.lms.sim.app import demo_library
from reshare.lms.sim.state import Library
from reshare.requests.ports import ItemToAccept

ALL_ON = Switches(True, True, True, True, True)


class Recorder:
    """Transport into the simulator that keeps every message sent."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.sent: list[bytes] = []

    def __call__(self, body: bytes) -> bytes:
        self.sent.append(body)
        return responder.respond(self.lib, body)


@pytest.fixture
def lib() -> Library:
    return demo_library("SIM")


def _lms(lib: Library, name: str = "default", switches: Switches = ALL_ON,
         **kw: object) -> tuple[NcipLms, Recorder]:
    profile = profile_for(name)
    recorder = Recorder(lib)
    client = NcipClient("sim", Header("SIM", "SIM"), namespaced=profile.namespaced,
                        transport=recorder)
    return NcipLms(profile, client, switches, **kw), recorder  # type: ignore[arg-type]


def test_lookup_valid_blocked_unknown(lib: Library) -> None:
    lms, sent = _lms(lib)
    alice = lms.lookup_patron("p-alice")
    assert (alice.ok, alice.name, alice.email, alice.user_profile) == (
        True, "Alice Reader", "alice@example.org", "FACULTY")
    carol = lms.lookup_patron("p-carol")
    assert not carol.ok and "blocked" in carol.reason
    unknown = lms.lookup_patron("nobody")
    assert not unknown.ok and "Unknown User" in unknown.reason
    assert len(sent.sent) == 4  # the unknown id was retried as a user name


def test_username_retry_only_for_ncip2_profiles(lib: Library) -> None:
    lms, _ = _lms(lib, "folio")
    found = lms.lookup_patron("alice")  # not an id: found by user name
    assert found.ok and found.patron_id == "p-alice"
    lms, sent = _lms(lib, "millennium")
    assert not lms.lookup_patron("alice").ok
    assert len(sent.sent) == 1


def test_patron_profile_not_allowed(lib: Library) -> None:
    lms, _ = _lms(lib, profile_allowed=lambda code: code != "STUDENT")
    result = lms.lookup_patron("p-bob")
    assert not result.ok and "STUDENT" in result.reason


def test_every_message_sent_validates(lib: Library) -> None:
    lms, sent = _lms(lib)
    lms.lookup_patron("p-alice")
    lms.check_out_item(request_id="R1", item_barcode="30001", institutional_patron_id="ILL-INST")
    lms.check_in_item(request_id="R1", item_barcode="30001")
    lms.accept_item(ItemToAccept("R2", "R2", title="T", author="A", patron_id="p-alice"))
    lms.delete_item(item_barcode="R2")
    lms.request_item(request_id="H1", bib_record_id="b1", patron_id="ILL-INST")
    lms.cancel_request_item(request_id="H1", patron_id="ILL-INST")
    lms.create_user_fiscal_transaction(patron_id="p-alice", item_barcode="", amount_minor_units=5)
    assert len(sent.sent) == 8
    for body in sent.sent:
        assert schema().validate(parse_xml(body)), body


def test_check_out_and_in_follow_the_lms(lib: Library) -> None:
    lms, _ = _lms(lib)
    out = lms.check_out_item(request_id="R1", item_barcode="30001",
                             institutional_patron_id="ILL-INST")
    assert out.ok and out.due_date is not None
    assert lib.loans["30001"].patron_id == "ILL-INST"
    again = lms.check_out_item(request_id="R1", item_barcode="30001",
                               institutional_patron_id="ILL-INST")
    assert not again.ok and again.problem_type == "Resource Cannot Be Provided"
    assert lms.check_in_item(request_id="R1", item_barcode="30001").ok
    assert "30001" not in lib.loans
    twice = lms.check_in_item(request_id="R1", item_barcode="30001")
    assert twice.ok and "already checked in" in twice.reason
    unknown_barcode = lms.check_out_item(request_id="R", item_barcode="nope",
                                         institutional_patron_id="ILL-INST")
    assert not unknown_barcode.ok and unknown_barcode.problem_type == "Unknown Item"


def test_due_date_ignored_when_setting_off(lib: Library) -> None:
    lms, _ = _lms(lib, options=NcipOptions(use_due_date=False))
    out = lms.check_out_item(request_id="R", item_barcode="30001",
                             institutional_patron_id="ILL-INST")
    assert out.ok and out.due_date is None


def test_no_institutional_patron(lib: Library) -> None:
    lms, sent = _lms(lib)
    result = lms.check_out_item(request_id="R", item_barcode="30001", institutional_patron_id="")
    assert not result.ok and "No institutional patron ID" in result.reason
    assert not sent.sent and not lib.loans.get("30001")


def test_alma_uses_dash_as_institutional_patron(lib: Library) -> None:
    lms, sent = _lms(lib, "alma")
    lms.check_out_item(request_id="R", item_barcode="30001", institutional_patron_id="")
    assert b"<ns1:UserIdentifierValue>-</ns1:UserIdentifierValue>" in sent.sent[0]


def test_switches_off_send_nothing_and_say_so(lib: Library) -> None:
    lms, sent = _lms(lib, switches=Switches())
    results = [lms.lookup_patron("p-carol"),
               lms.check_out_item(request_id="R", item_barcode="30001",
                                  institutional_patron_id="ILL-INST"),
               lms.check_in_item(request_id="R", item_barcode="30001"),
               lms.accept_item(ItemToAccept("R", "R", title="T")),
               lms.request_item(request_id="R", bib_record_id="b1", patron_id="ILL-INST"),
               lms.cancel_request_item(request_id="R", patron_id="ILL-INST")]
    assert not sent.sent
    for result in results:
        assert result.manual and "not 'ncip'" in result.reason


@pytest.mark.parametrize("name", [n for n, p in PROFILES.items()
                                  if p.transport not in ("ncip2", "none")])
def test_ncip1_and_wms_lmss_are_refused_by_name(lib: Library, name: str) -> None:
    lms, sent = _lms(lib, name)
    label = profile_for(name).label
    results = [lms.lookup_patron("p-alice"),
               lms.check_out_item(request_id="R", item_barcode="30001",
                                  institutional_patron_id="I"),
               lms.check_in_item(request_id="R", item_barcode="30001"),
               lms.accept_item(ItemToAccept("R", "R", title="T")),
               lms.delete_item(item_barcode="X")]
    assert not sent.sent
    for result in results:
        assert not result.ok and result.manual and label in result.reason


def test_request_item_profile_quirks(lib: Library) -> None:
    lib.items["30009"] = lib.items["30001"].__class__("30009", "1140848", "Sierra book")
    lms, sent = _lms(lib, "sierra", options=NcipOptions(request_item_pickup_location="PICK"))
    assert lms.request_item(request_id="H1", bib_record_id=".b11408480", patron_id="ILL-INST",
                            pickup_location="ignored").ok
    body = sent.sent[0].decode()
    for part in ("<ns1:BibliographicRecordIdentifier>1140848<", "<ns1:RequestType>Hold<",
                 "<ns1:RequestScopeType>Title<", "<ns1:PickupLocation>PICK<"):
        assert part in body
    assert lib.holds["H1"].bib_id == "1140848"

    folio, sent = _lms(lib, "folio", options=NcipOptions(use_title_request_type=True))
    assert folio.request_item(request_id="H2", bib_record_id="b1", patron_id="ILL-INST").ok
    assert "<ns1:RequestType>Page<" in sent.sent[0].decode()
    assert "<ns1:RequestScopeType>Title<" in sent.sent[0].decode()
    assert folio.manual_cancel_request_item
    assert folio.cancel_request_item(request_id="H2", patron_id="ILL-INST").ok
    assert "H2" not in lib.holds
    missing = folio.cancel_request_item(request_id="H2", patron_id="ILL-INST")
    assert not missing.ok and missing.problem_type == "Unknown Request"


def test_koha_gets_namespace_free_ncip(lib: Library) -> None:
    lms, sent = _lms(lib, "koha")
    assert lms.lookup_patron("p-alice").ok
    assert b"niso.org/2008/ncip" not in sent.sent[0]


def test_accept_item_creates_a_temporary_item_and_strips_diacritics_for_voyager(
        lib: Library) -> None:
    lms, _ = _lms(lib)
    item = ItemToAccept("REQ-1", "REQ-1", title="Café", author="Zoë", pickup_location="MAIN",
                        patron_id="p-alice")
    assert lms.accept_item(item).ok
    assert lib.items["REQ-1"].temporary and lib.holds["REQ-1"].patron_id == "p-alice"
    duplicate = lms.accept_item(item)
    assert not duplicate.ok and duplicate.problem_type == "Duplicate Item"
    no_title = lms.accept_item(ItemToAccept("REQ-2", "REQ-2"))
    assert not no_title.ok and no_title.problem_type == "Needed Data Missing"
    from reshare.lms.profiles import strip_diacritics
    assert strip_diacritics("Café Zoë") == "Cafe Zoe"


def test_manual_profile_never_claims_a_check() -> None:
    manual = ManualLms()
    assert manual.lookup_patron("x").manual
    assert manual.check_out_item(request_id="R", item_barcode="B",
                                 institutional_patron_id="I").manual
    assert manual.check_in_item(request_id="R", item_barcode="B").manual
    assert "manual" in manual.delete_item(item_barcode="B").reason


def test_no_address_is_a_clear_failure() -> None:
    lms = NcipLms(profile_for("folio"), None, ALL_ON)
    result = lms.check_in_item(request_id="R", item_barcode="B")
    assert not result.ok and "ncip_server_address" in result.reason


def test_lookup_by_barcode_and_pin(lib: Library) -> None:
    lms, sent = _lms(lib, switches=Switches())  # made even with borrower_check off
    found = lms.lookup_patron_by_barcode_pin("21000001", "1234")
    assert found.ok and found.patron_id == "p-alice"
    wrong = lms.lookup_patron_by_barcode_pin("21000001", "9999")
    assert not wrong.ok and "User Authentication Failed" in wrong.reason
    assert b"<ns1:AuthenticationInputType>PIN</ns1:AuthenticationInputType>" in sent.sent[0]
    for body in sent.sent:
        assert schema().validate(parse_xml(body))


def test_no_agency_is_a_clear_failure(lib: Library) -> None:
    recorder = Recorder(lib)
    client = NcipClient("sim", Header("", ""), transport=recorder)
    lms = NcipLms(profile_for("default"), client, ALL_ON)
    result = lms.lookup_patron("p-alice")
    assert not result.ok and "ncip_from_agency" in result.reason and not recorder.sent
