"""The insurance agency's operations (enrolment, credentials, filings, clearing), in-process."""

from __future__ import annotations

from backends.core.clock import Clock, utc_now
from backends.core.db import Database
from backends.medical import schemas
from backends.medical.audit import audit
from backends.medical.money import show
from backends.medical.national import Clearing, Filings
from backends.medical.policy import PolicyBook, load_policies
from backends.medical.registry import InsuredRegistry


class Agency:
    """Each method is one transaction on `database`; answers are plain schema objects."""

    def __init__(
        self, database: Database, policies: PolicyBook | None = None, clock: Clock | None = None
    ) -> None:
        self.database = database
        self.policies = policies or load_policies()
        self.clock = clock or utc_now

    def enroll(self, req: schemas.EnrollRequest) -> schemas.EnrollResponse:
        psn_no = self.database.run(
            lambda s: InsuredRegistry(s, self.policies).enroll(
                req.certno,
                req.psn_name,
                req.gend,
                req.brdy,
                req.insuplc_admdvs,
                req.insutype,
                req.balc,
                req.psn_type,
                req.emp_name,
            )
        )
        return schemas.EnrollResponse(psn_no=psn_no)

    def link_card(self, req: schemas.CardLink) -> None:
        self.database.run(
            lambda s: InsuredRegistry(s, self.policies).link_card(
                req.certno, req.card_no, req.card_sn
            )
        )

    def unlink_card(self, card_no: str) -> None:
        self.database.run(lambda s: InsuredRegistry(s, self.policies).unlink_card(card_no))

    def issue_ecredential(self, req: schemas.ECredentialRequest) -> schemas.ECredentialResponse:
        token = self.database.run(
            lambda s: InsuredRegistry(s, self.policies).issue_ecredential(req.certno)
        )
        return schemas.ECredentialResponse(token=token)

    def file(self, req: schemas.FilingRequest) -> schemas.FilingResponse:
        def work(session) -> schemas.FilingResponse:  # type: ignore[no-untyped-def]
            filing = Filings(session, self.policies).file(
                req.psn_no,
                req.insutype,
                req.dest_admdvs,
                req.kind,
                "agency",
                self.clock().date(),
                req.begndate,
                req.enddate,
            )
            return schemas.FilingResponse(
                trt_dcla_detl_sn=filing.trt_dcla_detl_sn,
                psn_no=filing.psn_no,
                dest_admdvs=filing.dest_admdvs,
                kind=filing.kind,
                begndate=filing.begndate,
                enddate=filing.enddate,
                status=filing.status,
            )

        return self.database.run(work)

    def cancel_filing(self, trt_dcla_detl_sn: str, psn_no: str) -> None:
        self.database.run(
            lambda s: Filings(s, self.policies).cancel(trt_dcla_detl_sn, psn_no, None)
        )

    def clearing(self) -> list[schemas.ClearingPosition]:
        positions = self.database.run(lambda s: Clearing(s).positions())
        return [
            schemas.ClearingPosition(payer_admdvs=payer, payee_admdvs=payee, amount=show(amount))
            for (payer, payee), amount in sorted(positions.items())
        ]

    def audit(self) -> schemas.AuditResponse:
        return schemas.AuditResponse(problems=self.database.run(audit))
