"""Fill the English catalogue from scripts/en_terms.tsv (Chinese<TAB>English), keeping existing entries.

Usage: python scripts/translate_en.py   (after manage.py makemessages -l en)
"""

import csv
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
TERMS = ROOT / "scripts" / "en_terms.tsv"


def main():
    terms = {}
    with open(TERMS, encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) == 2 and not row[0].startswith("#"):
                terms[row[0]] = row[1]
    text = PO.read_text(encoding="utf-8")

    def fill(match):
        msgid, msgstr = match.group(1), match.group(2)
        if msgstr or msgid not in terms:
            return match.group(0)
        english = terms[msgid].replace('"', '\\"')
        return f'msgid "{msgid}"\nmsgstr "{english}"'

    text = re.sub(r'msgid "(.+)"\nmsgstr "(.*)"', fill, text)
    text = text.replace("#, fuzzy\n", "", 1)
    PO.write_text(text, encoding="utf-8")
    missing = re.findall(r'msgid "(.+)"\nmsgstr ""', text)
    print(f"{len(missing)} strings without English: {missing[:10]}")


if __name__ == "__main__":
    main()
