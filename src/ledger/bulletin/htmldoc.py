"""The bulletin as one self-contained HTML page: inline CSS for screen and A4 print, no external assets."""

from __future__ import annotations

from html import escape

from ledger.bulletin.model import Bulletin, points_text
from ledger.characters import visible

CSS = """
@page { size: A4; margin: 20mm 15mm 18mm 15mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f3f3; color: #111;
  font-family: "FangSong", "仿宋", "STFangsong", "SimSun", "宋体", "Songti SC", "Noto Serif CJK SC",
    "Source Han Serif SC", "WenQuanYi Micro Hei", serif; font-size: 14px; line-height: 1.7; }
.page { max-width: 210mm; margin: 16px auto; padding: 18mm 15mm; background: #fff;
  box-shadow: 0 0 4px rgba(0,0,0,.2); }
.masthead { text-align: center; color: #c00; font-size: 34px; letter-spacing: 4px; margin: 0;
  font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; }
.number { text-align: center; margin: 4px 0 10px; }
.issue { display: flex; justify-content: space-between; border-bottom: 2px solid #c00;
  padding-bottom: 4px; margin-bottom: 18px; }
h1 { font-size: 22px; text-align: center; margin: 8px 0 0; font-family: "SimHei", "黑体", sans-serif; }
.subtitle { text-align: center; margin: 0 0 14px; }
h2 { font-size: 16px; margin: 18px 0 8px; font-family: "SimHei", "黑体", sans-serif; }
p.intro { text-indent: 2em; }
table { width: 100%; border-collapse: collapse; font-size: 12px; line-height: 1.4; }
th, td { border: 1px solid #333; padding: 3px 4px; text-align: center; }
th { background: #eee; font-weight: bold; }
td.name { text-align: left; white-space: nowrap; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
.legend { font-size: 12px; margin: 4px 0 0; }
ul.criticisms { margin: 0; padding-left: 2em; }
p.to { margin: 0; }
th { white-space: nowrap; }
.sign { text-align: right; margin: 24px 4em 0 0; }
p.code { text-indent: 2em; }
.colophon { margin-top: 40px; border-top: 1.5px solid #000; border-bottom: 1.5px solid #000; }
.colophon p { margin: 0; padding: 4px 1em; }
.colophon p.cc { border-bottom: 1px solid #000; }
.colophon p.printed { display: flex; justify-content: space-between; }
@media print { body { background: #fff; }
  .page { margin: 0; padding: 0; box-shadow: none; max-width: none; } }
"""


def _shown(text: str) -> str:
    """Text as HTML: escaped, and hidden characters (as an earlier version may have recorded them) shown."""
    return escape(visible(text))


def render_html(b: Bulletin) -> bytes:
    """The bulletin as UTF-8 HTML; the same bulletin gives the same bytes."""
    e = _shown
    columns = b.columns
    head_top = (
        '<tr><th rowspan="2">排名</th><th rowspan="2">单位</th><th rowspan="2">报送数</th>'
        f'<th colspan="{len(columns) + 1}">采用数</th><th rowspan="2">批示</th><th rowspan="2">得分</th></tr>'
    )
    head_low = (
        "<tr>" + "".join(f'<th title="{e(c.name)}">{e(c.label)}</th>' for c in columns) + "<th>合计</th></tr>"
    )
    body = []
    for r in b.rows:
        cells = "".join(f"<td>{n}</td>" for n in r.adoptions)
        rank = "—" if r.rank is None else r.rank
        body.append(
            f'<tr data-unit="{e(r.unit)}"><td class="rank">{rank}</td><td class="name">{e(r.name)}</td>'
            f'<td class="filed">{r.filed}</td>{cells}<td class="adopted">{r.adopted}</td>'
            f'<td class="endorsements">{r.endorsements}</td>'
            f'<td class="total">{points_text(r.total)}</td></tr>'
        )
    legend = f'<p class="legend">注：{e("；".join(b.legend))}。</p>' if b.legend else ""
    if b.criticisms:
        items = "".join(
            f'<li data-unit="{e(c.unit)}"><strong>{e(c.name)}</strong>：{e("；".join(c.reasons))}。</li>'
            for c in b.criticisms
        )
        criticisms = f'<p>对以下单位予以通报批评：</p><ul class="criticisms">{items}</ul>'
    else:
        criticisms = "<p>本期无通报批评单位。</p>"
    cc = f'<p class="cc">抄送：{e(b.cc)}。</p>' if b.cc else ""
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(b.title)}{e(b.subtitle)}</title>
<style>{CSS}</style>
</head>
<body>
<main class="page">
<p class="masthead">{e(b.title)}</p>
<p class="number">{e(b.number)}</p>
<div class="issue"><span class="issuer">{e(b.issuer)}</span><span class="date">{e(b.issued_on)}</span></div>
<h1>{e(b.heading)}</h1>
<p class="subtitle">{e(b.subtitle)}</p>
<p class="to">{e(b.to)}：</p>
<p class="intro">{e(b.intro)}</p>
<h2>一、各单位信息报送采用情况</h2>
<table class="ranking">
<thead>{head_top}{head_low}</thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
{legend}
<h2>二、通报批评</h2>
{criticisms}
<p class="sign">{e(b.issuer)}<br>{e(b.issued_on)}</p>
<p class="code">（{e(b.code_line)}）</p>
<footer class="colophon">{cc}
<p class="printed"><span>{e(b.issuer)}</span><span>{e(b.issued_on)}印发</span></p>
</footer>
</main>
</body>
</html>
"""
    return page.encode("utf-8")
