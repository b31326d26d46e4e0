"""What the rota builder and the supplier's availability check search by."""

from __future__ import annotations

from reshare.requests.rota import bib_query
from reshare.requests.store import PatronRequest


def test_requester_searches_the_shared_index_by_its_cluster() -> None:
    req = PatronRequest(is_requester=True, title="T", system_instance_id="cluster-1",
                        supplier_unique_record_id="")
    query = bib_query(req)
    assert query.cluster_id == "cluster-1" and query.system_instance_id == "cluster-1"


def test_supplier_searches_its_catalogue_by_its_own_record_id() -> None:
    req = PatronRequest(is_requester=False, title="T", system_instance_id="cluster-1",
                        supplier_unique_record_id="njsoos-00003723")
    assert bib_query(req).system_instance_id == "njsoos-00003723"


def test_supplier_without_its_record_id_falls_back_to_isbn_and_title() -> None:
    req = PatronRequest(is_requester=False, title="T", isbn="9780000000002",
                        system_instance_id="cluster-1", supplier_unique_record_id="")
    query = bib_query(req)
    assert query.system_instance_id == "" and query.isbn == "9780000000002"
