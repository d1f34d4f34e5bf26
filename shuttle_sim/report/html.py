"""One self-contained HTML page: inline CSS, figures as PNG data URIs, no script, no
link, no font or image fetched from anywhere (it opens offline, from an e-mail)."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import re

from .answer import PCT_WORDS

_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
.sub{color:#555;margin-top:0}
.answer{background:#f3f7fb;border-left:4px solid #0072B2;padding:.8em 1em;margin:1em 0}
.answer .q{font-weight:bold;margin:0 0 .3em 0} .answer p{margin:.2em 0}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.5em 0}
th,td{padding:.25em .5em;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums} th.n{text-align:right}
tr.g td{background:#fafafa;font-weight:bold;color:#444}
figure{margin:1.6em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.92em;color:#333;margin-top:.4em} figcaption b{color:#000}
details{margin:.6em 0} summary{cursor:pointer;color:#0072B2}
.src{color:#555;font-size:.9em} td.c{color:#444} .mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.assume{color:#D55E00;font-weight:600} p.cap{font-size:.9em;color:#444;margin:.2em 0 .6em}
.swept{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-weight:600;color:#0072B2;margin-top:.2em}
td.chg{background:#fff3c4}
ul.refs{columns:2;column-gap:2em;list-style:none;padding-left:0;margin-top:.2em} ul.refs li{break-inside:avoid} ul.refs li.unused{color:#999}
tr.unused td,tr.unused td .assume{color:#999} tr.g.unused td{background:#fcfcfc}
nav.toc{font-size:.92em;color:#555;margin:.6em 0 0} nav.toc a{color:#0072B2;text-decoration:none;white-space:nowrap}
"""


def esc(x) -> str:
    return html.escape(str(x), quote=True)


def img_tag(png: bytes, alt: str) -> str:
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def kpi_table(rows: list[dict], kind: str) -> str:
    if not rows:
        return "<p>No KPIs.</p>"
    if kind == "run":
        head = "<tr><th>Measure</th><th class=n>Value</th><th>Unit</th></tr>"
        cells = lambda r: f"<td>{esc(r['label'])}</td><td class=n>{esc(r['value'])}</td><td>{esc(r['unit'])}</td>"  # noqa: E731
        ncol = 3
    else:
        head = ("<tr><th>Measure</th><th class=n>Mean and 95% CI</th>"
                + "".join(f"<th class=n>{esc(PCT_WORDS[p])} ({p.upper()})</th>" for p in PCT_WORDS) + "<th>Unit</th></tr>")
        cells = lambda r: (f"<td>{esc(r['label'])}</td><td class=n>{esc(r['mean'])}</td>"  # noqa: E731
                           + "".join(f"<td class=n>{esc(r[p])}</td>" for p in PCT_WORDS) + f"<td>{esc(r['unit'])}</td>")
        ncol = 6
    out, group = [f"<table>{head}"], None
    for r in rows:
        if r["group"] != group:
            group = r["group"]
            out.append(f"<tr class=g><td colspan={ncol}>{esc(group.capitalize())}</td></tr>")
        out.append(f"<tr>{cells(r)}</tr>")
    out.append("</table>")
    return "\n".join(out)


def plain_table(df, formats: dict | None = None) -> str:
    formats = formats or {}
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    body = []
    for _, r in df.iterrows():
        tds = []
        for c in df.columns:
            v = r[c]
            f = formats.get(c)
            tds.append(_cell(v, f))
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _cell(v, fmt: str | None) -> str:
    """A table cell: numbers right-aligned in ``fmt`` (or as written), text as is, NaN blank."""
    if isinstance(v, float) and v != v:
        return "<td></td>"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            return f"<td class=n>{esc(fmt.format(v) if fmt else f'{v:g}')}</td>"
        except (ValueError, TypeError):
            pass
    return f"<td>{esc(v)}</td>"


def _mark(comment: str) -> str:
    e = esc(comment)
    return e.replace("ASSUMPTION", "<span class=assume>ASSUMPTION</span>")


def assumptions(source, facts: list[tuple[str, str]]) -> str:
    out = ["<table>" + "".join(f"<tr><th>{esc(k)}</th><td class=mono>{esc(v)}</td></tr>" for k, v in facts) + "</table>"]
    if source is None:
        return "\n".join(out + ["<p>No scenario file was found.</p>"])
    return "\n".join(out + [source_table(source, "Scenario values")])


def cost_inputs(source) -> str:
    """A sweep's cost inputs as written (shuttle_sim.report.cost_inputs), with their sources."""
    if not source.rows:
        return f"<p class=src>{esc(source.how)}</p>"
    return source_table(source, "Cost inputs")


_BESIDE = {"DOMAIN": "the scenarios", "COSTS": "costs.yaml"}


def source_table(source, what: str) -> str:
    """A file's values beside their comments (shuttle_sim.report.source), and the references
    they cite from the Sources list its file declares (``source.cites``: DOMAIN.md or
    COSTS.md, shipped in configs/); a file that declares none keeps its numbers unresolved."""
    kind = source.cites
    if not source.has_comments:
        legend = ""
    elif kind:
        legend = (f" Sources are cited as [n] and listed under the table, from the Sources list of {kind}.md "
                  f"(shipped with {_BESIDE[kind]} in configs/; a comment's \"{kind}\" refers to its text); "
                  "<span class=assume>ASSUMPTION</span> marks a number no source gives.")
    else:
        legend = (" The file does not say which list its [n] cite (the shipped files name configs/DOMAIN.md or "
                  "configs/COSTS.md in their opening comment), so they are shown as written.")
    out = [f"<p class=src>{what} as written in {esc(source.how)}.{legend}</p>"]
    if source.header:
        out.append(f"<p class=src>{_mark(source.header)}</p>")
    main = source.main_file
    others = sorted({r.file for r in source.rows if r.file and r.file != main})
    if others:
        out.append(f"<p class=src>Values from {esc(main)}, except those shaded and marked with what sets them "
                   f"({', '.join(esc(f) for f in others)}).</p>")
    if any(r.unused for r in source.rows):
        out.append("<p class=src>Rows in grey are not used by any design of this sweep (a ship class it has no "
                   "ship of, the other route's costs, the valuation of deferred production not chosen): they change "
                   "none of its costs.</p>")
    if any(r.swept for r in source.rows):
        out.append("<p class=src>A key the sweep varies shows the base value, the levels swept and the one "
                   "recommended.</p>")
    out.append("<table><tr><th>Key</th><th>Value</th><th>Source or comment</th></tr>")
    greyed: list[str] = []
    for r in source.rows:
        note = f"<div class=src>{_mark(r.note)}</div>" if r.note else ""
        if r.unused:  # said once, on the topmost row greyed (a class's heading, not each of its keys)
            if not any(r.path.startswith(f"{g}.") for g in greyed):
                note += "<div class=src>not used by this sweep&#x27;s designs</div>"
            greyed.append(r.path)
        where = f"<span class=src>[{esc(r.file)}]</span> " if r.file and r.file != main else ""
        pad = f"padding-left:{0.5 + 1.2 * r.depth:.1f}em"
        if r.section:
            out.append(f"<tr class='g{' unused' if r.unused else ''}'><td style='{pad}' class=mono>{esc(r.path)}</td>"
                       f"<td></td><td class=c>{where}{_mark(r.comment)}{note}</td></tr>")
        else:
            swept = f"<div class=swept>{_mark(r.swept)}</div>" if r.swept else ""
            chg = " chg" if where else ""  # set by another file than the main one, or for this run
            unused = " class=unused" if r.unused else ""
            out.append(f"<tr{unused}><td style='{pad}' class=mono>{esc(r.path)}</td><td class='mono{chg}'>{esc(r.value)}{swept}</td>"
                       f"<td class=c>{where}{_mark(r.comment)}{note}</td></tr>")
    out.append("</table>")
    cites = source.references()
    if cites:
        grey = source.cited_only_by_unused()
        items = "".join(f"<li{' class=unused' if n in grey else ''}><b>[{n}]</b> "
                        + (esc(ref) if ref is not None else
                           f"<span class=assume>not in the Sources list of {kind}.md</span>") + "</li>"
                        for n, ref in cites)
        why = "; in grey, those only the grey rows cite" if grey else ""
        out.append(f"<p class=src>Sources cited in the table above (the Sources list of {kind}.md{why}):</p>"
                   f"<ul class='src refs'>{items}</ul>")
    return "\n".join(out)


def page(title: str, subtitle: str, question: str, answer: str, sections: list[tuple[str, str]]) -> str:
    """The whole page; ``sections`` are (heading, HTML body) pairs in order."""
    made = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ids = section_ids([h for h, _ in sections])
    body = "\n".join(f"<h2 id={i}>{esc(h)}</h2>\n{b}" for i, (h, b) in zip(ids, sections))
    toc = " · ".join(f'<a href="#{i}">{esc(h)}</a>' for i, (h, _) in zip(ids, sections))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{_CSS}</style></head>
<body>
<h1>{esc(title)}</h1>
<p class=sub>{esc(subtitle)} · report made {made}</p>
<div class=answer><p class=q>{esc(question)}</p><p>{answer}</p></div>
<nav class=toc>On this page: {toc}</nav>
{body}
</body></html>
"""


def section_ids(headings: list[str]) -> list[str]:
    """An anchor per heading, from its words ("Cost inputs" -> ``cost-inputs``), unique
    on the page (a repeated heading gets ``-2``, ``-3`` ...)."""
    out: list[str] = []
    for h in headings:
        base = re.sub(r"[^a-z0-9]+", "-", h.lower()).strip("-") or "section"
        i, n = base, 1
        while i in out:
            n += 1
            i = f"{base}-{n}"
        out.append(i)
    return out


def figure_block(n: int, title: str, caption: str, png: bytes, filename: str) -> str:
    return (f"<figure id=fig{n}>{img_tag(png, f'Figure {n}: {title}')}"
            f"<figcaption><b>Figure {n}. {esc(title)}.</b> {esc(caption)} <span class=src>({esc(filename)})</span></figcaption></figure>")
