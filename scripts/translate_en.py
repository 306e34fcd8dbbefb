"""Fill the English catalogue from scripts/en_terms.tsv (Chinese<TAB>English).

Usage: python manage.py makemessages -l en ... && python scripts/translate_en.py
Entries msgmerge guessed ("fuzzy") are replaced by the term list or left empty, never kept:
a guess is usually another string's translation.
"""

import csv
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
TERMS = ROOT / "scripts" / "en_terms.tsv"


def load_terms():
    terms = {}
    with open(TERMS, encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) == 2 and not row[0].startswith("#"):
                terms[row[0]] = row[1]
    return terms


def main():
    terms = load_terms()
    header, *blocks = PO.read_text(encoding="utf-8").split("\n\n")
    header = header.replace("#, fuzzy\n", "", 1)
    missing = []
    out = [header]
    for block in blocks:
        match = re.search(r'^msgid "(.*)"\nmsgstr "(.*)"$', block, flags=re.M)
        if not match:
            out.append(block)
            continue
        lines = [line for line in block.split("\n") if not line.startswith("#|")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        lines = [re.sub(r",? fuzzy", "", line) if line.startswith("#,") else line for line in lines]
        lines = [line for line in lines if line.strip() != "#,"]
        msgid, msgstr = match.group(1), match.group(2)
        if msgid in terms:
            msgstr = terms[msgid].replace('"', '\\"')
        elif fuzzy:
            msgstr = ""
        if not msgstr:
            missing.append(msgid)
        block = "\n".join(lines)
        replacement = f'msgstr "{msgstr}"'
        block = re.sub(r'^msgstr ".*"$', lambda _, text=replacement: text, block, flags=re.M)
        out.append(block)
    PO.write_text("\n\n".join(out), encoding="utf-8")
    print(f"{len(missing)} strings without English: {missing[:10]}")


if __name__ == "__main__":
    main()
