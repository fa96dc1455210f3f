"""The PDF itself: a fixed discharge summary and referral letter rendered and read back
as text (pdftotext) and as a page image (pdftoppm) against goldens, and the PDF's
accessibility structure (tagged, language, title) read with pypdf.

A golden is refreshed deliberately: `ACUCARE_UPDATE_GOLDEN=1 pytest tests/documents`
rewrites them, and the diff is reviewed like code."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from acucare.documents.content import (
    URGENCY,
    Chart,
    DocumentContent,
    EventFacts,
    Section,
    SessionFacts,
    adverse_events_section,
    chart_of,
    stricta_summary,
)
from acucare.documents.rendering import Letterhead, Signature, render_pdf
from acucare.outcomes import charts
from acucare.patients.models import Addressee
from tests.documents.pdf_tools import (
    GOLDEN,
    image_difference,
    page_image,
    pdf_text,
    png_bytes,
    update_goldens,
)

HEAD = Letterhead(
    name="Harbour Acupuncture Clinic",
    address="1 Harbour Street\nDemo Town DT1 1AA",
    phone="020 7946 0000",
    email="desk@harbour.example",
    colour="#1f4e79",
)
SIGNED = Signature(
    name="Dr Mei Chen",
    credentials="MSc, L.Ac.",
    signed_at=dt.datetime(2026, 11, 30, 16, 45, tzinfo=dt.UTC),
)
GP = Addressee(
    "Dr Helen Okafor", "Riverside Medical Practice", "2 Riverside Walk\nDemo Town", "", "gp"
)


# The patient every golden document is about, and its date.
ADA: dict[str, Any] = {
    "patient_name": "Ada Moreno",
    "patient_born": dt.date(1971, 3, 4),
    "patient_address": "12 Mill Lane\nDemo Town",
    "date": dt.date(2026, 11, 30),
}


def _sessions() -> list[SessionFacts]:
    points: list[dict[str, object]] = [
        {"code": "BL23", "side": "bilateral", "depth_mm": 25},
        {"code": "GV3", "side": "midline"},
        {"code": "BL40", "side": "bilateral"},
    ]
    electro = [
        {
            "electrodes": [{"code": "BL23", "side": "left"}, {"code": "BL23", "side": "right"}],
            "frequency_hz": 2,
            "waveform": "dense_disperse",
            "intensity": "mild",
            "duration_minutes": 20,
        }
    ]
    return [
        SessionFacts(
            number=n,
            date=dt.date(2026, 10, 5) + dt.timedelta(days=7 * (n - 1)),
            points=points if n != 3 else points[:2],
            needle={"gauge_mm": 0.25, "length_mm": 40, "material": "stainless_steel"},
            electro_pairs=electro if n >= 4 else [],
            retention_minutes=20 if n < 4 else 25,
            needles_in=5 if n != 3 else 3,
            pain_before=before,
            pain_after=after,
            adverse_events=(EventFacts("haematoma", "Minor", 3, False),) if n == 2 else (),
        )
        for n, (before, after) in enumerate(((7, 5), (6, 4), (6, 4), (5, 3), (4, 3), (3, 2)), 1)
    ]


def discharge_summary() -> DocumentContent:
    sessions = _sessions()
    chart = _chart(sessions)
    return DocumentContent(
        kind="discharge_summary",
        title="Discharge summary",
        **ADA,
        addressee=GP,
        opening=(
            "Ada Moreno was discharged from acupuncture for low back pain on "
            "30 November 2026 after 6 sessions."
        ),
        sections=(
            Section("Condition", items=("M54.50 Low back pain, unspecified (primary)",)),
            Section(
                "Plan and protocol",
                items=("Care plan approved on 1 Oct 2026; 6 sessions planned.",),
            ),
            stricta_summary(sessions),
            Section(
                "Outcomes",
                paragraphs=(
                    "Response (IMMPACT tier): Substantial improvement (PEG 7 → 3, -57.1 %).",
                ),
                chart=chart,
            ),
            adverse_events_section(sessions),
            Section(
                "Recommendations",
                paragraphs=(
                    "Reason for discharge: Goals met.",
                    "Advice given: Keep walking every day.",
                ),
            ),
        ),
        references=(
            "Dworkin RH et al. (2008). Interpreting the clinical importance of treatment "
            "outcomes in chronic pain clinical trials.",
        ),
    )


def _chart(sessions: list[SessionFacts]) -> Chart:
    drawn = charts.pain_chart(
        [
            charts.PainSession(s.number, f"{s.date:%-d %b %Y}", s.pain_before, s.pain_after)
            for s in sessions
        ],
        baseline=7.0,
        baseline_label="PEG",
        reviews=[4],
        discharge=6,
        planned=6,
    )
    return chart_of(drawn)


def patient_report() -> DocumentContent:
    """The patient's report: plain words, the chart, side effects, what happens next."""
    sessions = _sessions()
    return DocumentContent(
        kind="patient_report",
        title="Your progress report",
        **ADA,
        opening=(
            "Dear Ada, this report sums up your acupuncture for low back pain so far. "
            "You have had 6 sessions."
        ),
        sections=(
            Section(
                "How you are doing",
                paragraphs=(
                    "Your pain and daily life have improved a lot.",
                    "You scored your pain 7 out of 10 before your first session and 3 out "
                    "of 10 before your latest one.",
                ),
            ),
            Section(
                "Your pain at each session",
                chart=_chart(sessions),
                paragraphs=("The chart shows your pain before and after each session.",),
            ),
            adverse_events_section(sessions, plain=True),
            Section(
                "What happens next",
                paragraphs=(
                    "Your course of treatment is complete.",
                    "Our advice: Keep walking every day.",
                    "If your pain gets much worse, or you have new symptoms, contact your doctor.",
                ),
            ),
        ),
        audience="patient",
    )


def referral_letter() -> DocumentContent:
    """A referral letter: urgency first, what was found, why, what is asked."""
    return DocumentContent(
        kind="referral_letter",
        title="Referral letter",
        **ADA,
        addressee=GP,
        urgency=URGENCY["same_day"],
        opening=(
            "I am writing about Ada Moreno, born 4 March 1971, who came to the clinic for "
            "acupuncture for low back pain. The safety screening found signs that need a "
            "doctor's assessment first. I have not started acupuncture."
        ),
        sections=(
            Section(
                "What was found",
                paragraphs=(
                    "At the safety screening on 30 November 2026, before any acupuncture, "
                    "the following needs a medical assessment:",
                ),
                items=("Unexplained weight loss. (same day)",),
            ),
            Section(
                "Why it matters",
                items=(
                    "Weight loss without a reason, with back pain, can be a sign of serious "
                    "disease. The screening's advice: refer the patient to their doctor today.",
                ),
            ),
            Section(
                "What I am asking",
                items=(
                    "Please assess: Unexplained weight loss.",
                    "Please let me know whether acupuncture may go ahead (cleared or not "
                    "cleared), and anything I should know about the care you arrange.",
                ),
            ),
            Section("Condition", items=("M54.50 Low back pain, unspecified (primary)",)),
        ),
        references=("NICE (2016, updated 2020). Low back pain and sciatica in over 16s.",),
    )


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "patient_report",
            patient_report,
            # words a patient knows first (issue 12: "in plain language"), not the bare term
            "Session 2: bruising (haematoma), minor, 3 days.",
        ),
        ("referral_letter", referral_letter, "Urgent: please see the patient today."),
    ],
)
def test_the_other_documents_read_and_look_as_their_goldens(name, content, says):
    """The patient's report and a referral letter, as text and as their first page."""
    data = render_pdf(content(), head=HEAD, signature=SIGNED)
    text = pdf_text(data)
    image = page_image(data, page=1)
    golden_text = GOLDEN / f"{name}.txt"
    golden_image = GOLDEN / f"{name}_page1.png"
    if update_goldens():
        golden_text.write_text(text)
        golden_image.write_bytes(png_bytes(image))
    assert text == golden_text.read_text()
    assert says in " ".join(text.split())
    with Image.open(golden_image) as expected:
        assert image_difference(image, expected.convert("L")) < 2.0
    with Image.open(GOLDEN / "discharge_summary_page1.png") as other:
        assert image_difference(image, other.convert("L")) > 2.0


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(discharge_summary(), head=HEAD, signature=SIGNED)


def test_the_summary_reads_as_the_golden_text(pdf):
    text = pdf_text(pdf)
    golden = GOLDEN / "discharge_summary.txt"
    if update_goldens():
        golden.write_text(text)
    assert text == golden.read_text()


def test_the_text_says_what_a_referrer_needs(pdf):
    text = " ".join(pdf_text(pdf).split())
    for expected in [
        "Harbour Acupuncture Clinic",
        "Dr Helen Okafor Riverside Medical Practice",
        "Discharge summary",
        "Patient: Ada Moreno, born 4 March 1971, 12 Mill Lane, Demo Town",
        "Treatment delivered (STRICTA)",
        "6 sessions from 5 Oct 2026 to 9 Nov 2026.",
        "BL23 bilateral (6); GV3 midline (6); BL40 bilateral (5)",
        "Needles inserted per session: 3 to 5.",
        "0.25 × 40 mm, stainless steel (6 sessions)",
        "Needle retention: 20 to 25 minutes.",
        "2 Hz",
        "Dense disperse",
        "Substantial improvement",
        "Session 2: haematoma, minor, 3 days.",
        "Signed electronically by Dr Mei Chen, MSc, L.Ac., on 30 November 2026 at 16:45.",
    ]:
        assert expected in text, expected


def test_the_first_page_looks_like_the_golden_image(pdf):
    image = page_image(pdf, page=1)
    golden = GOLDEN / "discharge_summary_page1.png"
    if update_goldens():
        golden.write_bytes(png_bytes(image))
    with Image.open(golden) as expected:
        assert image_difference(image, expected.convert("L")) < 2.0


def test_the_image_check_notices_a_different_page(pdf):
    """The comparison can fail: another document's first page is far from the golden."""
    other = render_pdf(
        DocumentContent(
            kind="patient_report",
            title="Your progress report",
            patient_name="Ada Moreno",
            patient_born=dt.date(1971, 3, 4),
            patient_address="",
            date=dt.date(2026, 11, 30),
            opening="A short letter.",
            sections=(),
            audience="patient",
        ),
        head=HEAD,
        signature=SIGNED,
    )
    with Image.open(GOLDEN / "discharge_summary_page1.png") as expected:
        assert image_difference(page_image(other), expected.convert("L")) > 2.0


def test_the_pdf_is_tagged_for_screen_readers_with_language_and_title(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    root: Any = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).startswith("en")
    assert reader.metadata is not None
    assert reader.metadata.title == "Discharge summary — Ada Moreno"
    assert len(reader.pages) >= 2


def test_the_letterhead_takes_the_clinic_colour_and_an_embedded_logo(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (200, 30, 30)).save(logo)
    from acucare.documents.rendering import letterhead

    with pytest.MonkeyPatch.context() as patch:
        from django.conf import settings

        patch.setattr(settings, "ACUCARE_DOCUMENT_LOGO", str(logo), raising=False)
        patch.setattr(settings, "ACUCARE_DOCUMENT_COLOUR", "#8a1538", raising=False)
        head = letterhead("Harbour Acupuncture Clinic")
        assert head.logo.startswith("data:image/png;base64,")
        assert head.colour == "#8a1538"
        patch.setattr(settings, "ACUCARE_DOCUMENT_COLOUR", "red; background: url(x)", raising=False)
        assert letterhead("x").colour == "#1f4e79"
    branded = render_pdf(discharge_summary(), head=head, signature=SIGNED)
    assert len(PdfReader(io.BytesIO(branded)).pages[0].images) == 1


def test_the_renderer_understands_every_rule_of_the_stylesheet(caplog):
    # WeasyPrint logs and drops what it cannot apply; the preview page's screen-only
    # rules (overflow-x) had been logged on every document signed.
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(patient_report(), head=HEAD, signature=SIGNED)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
