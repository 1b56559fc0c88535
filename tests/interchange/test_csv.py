"""CSV of the simple kinds: what a spreadsheet user sees, edits and brings back."""

from __future__ import annotations

import csv
import io

import pytest

from quizapp.content.bank import Bank, Kind, Section
from quizapp.interchange import csvfile
from quizapp.interchange.common import InterchangeError
from tests.interchange.samples import SMALL, TRICKY, carried, demo_banks

ALL = [SMALL, TRICKY, *demo_banks()]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix(csvfile.BOM), newline="")))


def test_one_row_per_question_under_fixed_headers() -> None:
    exported = csvfile.write(SMALL)
    assert exported.text.startswith(csvfile.BOM + "id,kind,section,prompt,answer,option_1,")
    rows = _rows(exported.text)
    assert [row["id"] for row in rows] == [
        "small-basic",
        "small-mcq",
        "small-true-false",
        "small-cloze",
    ]
    mcq = rows[1]
    assert [mcq[f"option_{n}"] for n in (1, 2, 3, 4)] == ["Knee", "Hip", "Elbow", ""]
    assert mcq["answer"] == "Hip"
    cloze = rows[3]
    assert cloze["prompt"] == "Pain at the back of the hip often comes from the _____."
    assert cloze["answer"] == "Sciatic nerve"
    assert [str(s) for s in exported.skipped] == [
        "question small-matching: matching questions do not fit one CSV row; export as Moodle "
        "XML or as the bank file to keep it",
        "question small-ordering: ordering questions do not fit one CSV row; export as Moodle "
        "XML or as the bank file to keep it",
    ]


@pytest.mark.parametrize("bank", ALL, ids=lambda bank: bank.id)
def test_the_export_reads_back_as_the_same_questions(bank: Bank) -> None:
    result = csvfile.read(csvfile.write(bank).text.encode("utf-8"), "bank.csv")
    assert result.skipped == () and result.notes == ()
    wanted = [carried(q) for q in bank.questions if q.kind in csvfile.KINDS]
    assert [carried(q) for q in result.questions] == wanted


def test_a_spreadsheet_edit_comes_back_by_id() -> None:
    rows = _rows(csvfile.write(SMALL).text)
    rows[0]["answer"] = "The pelvis and the femur."
    rows[2]["answer"] = "TRUE"  # as a spreadsheet writes a boolean
    rows[1]["tags"] = "joints, hip"
    rows.append(
        {
            **dict.fromkeys(csvfile.COLUMNS, ""),
            "kind": "mcq",
            "prompt": "Which bone is in the thigh?",
            "answer": "Femur",
            "option_1": "Femur",
            "option_2": "Tibia",
        }
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csvfile.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    # Excel saves as Windows-1252 unless asked for "CSV UTF-8"; this one is UTF-8 with a BOM.
    result = csvfile.read((csvfile.BOM + out.getvalue()).encode("utf-8"), "edited.csv")
    assert result.skipped == ()
    by_id = {q.id: q for q in result.questions}
    assert by_id["small-basic"].answer == "The pelvis and the femur."
    assert by_id["small-true-false"].answer == "True"
    assert by_id["small-mcq"].tags == ("joints", "hip")
    new = result.questions[-1]
    assert new.id.startswith("imported-mcq-which-bone-is-in-the-thigh-")
    assert (new.section, new.options, new.answer) == (
        Section.INTRODUCTION,
        ("Femur", "Tibia"),
        "Femur",
    )


def test_problems_name_the_row_and_column() -> None:
    header = ",".join(csvfile.COLUMNS)
    blank = "," * (len(csvfile.COLUMNS) - 5)
    lines = [
        header,
        f"q1,essay,faq,Write about it.,,{blank}",
        f"q2,true_false,faq,The hip is a joint.,Maybe,{blank}",
        f"q3,mcq,faq,Which?,Hip,Knee,Elbow{blank[2:]}",
        f"q4,cloze,faq,No gap here.,word,{blank}",
        f"q5,basic,legs,What?,This.,{blank}",
        f"bad id,basic,faq,What?,This.,{blank}",
        f"q6,basic,faq,What?,,{blank}",
        "",
        f"q7,basic,faq,Fine?,Yes.,{blank}",
    ]
    result = csvfile.read("\r\n".join(lines), "sheet.csv")
    assert [q.id for q in result.questions] == ["q7"]
    sections = ", ".join(s.value for s in Section)
    assert [str(s) for s in result.skipped] == [
        "row 2 'Write about it.': column 'kind': must be one of basic, mcq, true_false, cloze, "
        "found 'essay'",
        "row 3 'The hip is a joint.': column 'answer': must be True or False, found 'Maybe'",
        "row 4 'Which?': column 'answer': must be exactly one of the options, found 'Hip'",
        "row 5 'No gap here.': columns 'prompt' and 'answer': a cloze's prompt shows one gap "
        "_____ and its answer column holds the text that fills it",
        f"row 6 'What?': column 'section': must be one of {sections}",
        "row 7 'What?': column 'id': use only letters, digits, '.', '_' and '-'",
        "row 8 'What?': column 'answer': missing or empty",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"id,section,answer\r\nq1,faq,x\r\n", "row 1: the header row has no 'kind' or 'prompt'"),
        (b"kind,prompt,kind\r\n", "row 1: the column 'kind' appears twice"),
        ("kind,prompt\nbasic,Caf\xe9?\n".encode("cp1252"), "not UTF-8 text"),
        (b'kind,prompt\nbasic,"unclosed\n', "row 2: unexpected end of data"),
    ],
)
def test_a_broken_file_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InterchangeError, match=message):
        csvfile.read(data, "broken.csv")


def test_kinds_a_row_cannot_hold_are_refused_on_import() -> None:
    result = csvfile.read("kind,prompt\nmatching,Match these\n", "x.csv")
    assert result.questions == ()
    assert result.skipped[0].reason.startswith("column 'kind': must be one of")
    assert Kind.MATCHING not in csvfile.KINDS


def test_cells_a_spreadsheet_would_run_as_formulas_are_guarded() -> None:
    rows = _rows(csvfile.write(TRICKY).text)
    basic = next(row for row in rows if row["id"] == "tricky-basic")
    assert basic["answer"] == "'=2 {or} ~3 # 4: yes \\ no"
    mcq = next(row for row in rows if row["id"] == "tricky-mcq")
    assert mcq["option_1"] == "A = B"
    result = csvfile.read(csvfile.write(TRICKY).text, "tricky.csv")
    assert next(q for q in result.questions if q.id == "tricky-basic").answer == (
        "=2 {or} ~3 # 4: yes \\ no"
    )
