"""The web pages' HTML; their words come from the [web] section of the catalogues.

Plain HTML without JavaScript: one column that reads on a phone, labels on
every field, errors tied to their field (aria-describedby), contrast over 4.5:1.
"""

from __future__ import annotations


def web_texts(lang: str) -> dict[str, str]:
    """The pages' texts in ``lang``: the ``[web]`` section of the catalogue."""
    from sheetflow.texts import shipped_texts

    return {k: str(v) for k, v in shipped_texts(lang)["web"].items()}


CSS = """*{box-sizing:border-box}
body{font:1rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:48rem;margin:0 auto;padding:1rem}
a{color:#0b4f9c}
a:focus,button:focus,input:focus,textarea:focus{outline:3px solid #b35c00;outline-offset:2px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem;border-bottom:1px solid #767676;vertical-align:top}
.ok{color:#0a5a1f;font-weight:bold}.bad{color:#a4000f;font-weight:bold}.mid{color:#6b4a00;font-weight:bold}
.error{color:#a4000f;font-weight:bold}
.box{border:2px solid #767676;padding:1rem;margin:1rem 0}
input[type=file]{display:block;width:100%;padding:2rem .5rem;border:2px dashed #767676;margin:.5rem 0}
button{font-size:1rem;padding:.5rem 1rem;background:#0b4f9c;color:#fff;border:0}
label{font-weight:bold;display:block}
.scroll{overflow-x:auto}
.inline{display:inline}
"""

BASE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · sheetflow</title>
<link rel="stylesheet" href="{{ url_for('stylesheet') }}">
</head>
<body>
<main>
{% block body %}{% endblock %}
</main>
</body>
</html>
"""

CENTER = """{% extends "base.html" %}
{% block body %}
<h1>{{ title }}</h1>
<p><a href="{{ url_for('center_workbook', token=token) }}" download>{{ t.download }}</a></p>
{% if error %}<p class="error" role="alert" id="upload-error">{{ t.error }}: {{ error }}</p>{% endif %}
{% if result %}
<section class="box" aria-labelledby="verdict-h" tabindex="-1" id="verdict">
<h2 id="verdict-h">{{ t.verdict }}: <span class="{{ result.css }}" id="verdict-word">{{ result.word }}</span></h2>
{{ findings_table(result.findings) }}
</section>
{% endif %}
<section aria-labelledby="state-h">
<h2 id="state-h">{{ t.state }}: <span class="{{ state.css }}" id="state-word">{{ state.word }}</span></h2>
{% if state.reason %}<p id="review-reason">{{ state.reason }}</p>{% endif %}
{% if correction %}
<p><a href="{{ url_for('center_correction', token=token) }}" id="correction-link" download>{{ t.correction }}</a><br>{{ t.correction_help }}</p>
{% endif %}
{% if latest %}
<h3>{{ t.latest }}: {{ latest.word }} ({{ latest.at }})</h3>
{{ findings_table(latest.findings) }}
{% else %}<p>{{ t.no_return }}</p>{% endif %}
</section>
{% if open %}
<section aria-labelledby="upload-h">
<h2 id="upload-h">{{ t.upload_heading }}</h2>
<form method="post" action="{{ url_for('center_upload', token=token) }}" enctype="multipart/form-data">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<label for="file">{{ t.file_label }}</label>
<p id="file-help">{{ t.file_help.format(mb=max_mb) }}</p>
<input type="file" id="file" name="file" required accept=".xlsx,.xlsm,.ods,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
 aria-describedby="file-help{% if error %} upload-error{% endif %}"{% if error %} aria-invalid="true"{% endif %}>
<button type="submit">{{ t.send }}</button>
</form>
</section>
{% else %}<p>{{ t.round_closed }}</p>{% endif %}
{% endblock %}
"""

MACROS = """{% macro findings_table(findings) %}
{% if findings %}
<div class="scroll"><table>
<caption class="sr">{{ t.findings }}</caption>
<thead><tr><th scope="col">{{ t.where }}</th><th scope="col">{{ t.what }}</th><th scope="col">{{ t.todo }}</th></tr></thead>
<tbody>
{% for f in findings %}<tr class="finding" data-code="{{ f.code }}" data-cell="{{ f.cell }}"><td>{{ f.sheet }}{% if f.cell %} / {{ f.cell }}{% endif %}</td><td>{{ f.message }}</td><td>{{ f.todo }}</td></tr>
{% endfor %}</tbody></table></div>
{% endif %}
{% endmacro %}"""

MESSAGE = """{% extends "base.html" %}
{% block body %}
<h1>{{ title }}</h1>
<p role="alert">{{ message }}</p>
{% endblock %}
"""

LOGIN = """{% extends "base.html" %}
{% block body %}
<h1>{{ title }}</h1>
<form method="post" action="{{ url_for('login') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
{% if error %}<p class="error" role="alert" id="login-error">{{ error }}</p>{% endif %}
<label for="name">{{ t.l_name }}</label>
<input id="name" name="name" autocomplete="username" required value="{{ name }}"{% if error %} aria-describedby="login-error" aria-invalid="true"{% endif %}>
<label for="password">{{ t.l_password }}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required{% if error %} aria-describedby="login-error" aria-invalid="true"{% endif %}>
<p><button type="submit">{{ t.l_submit }}</button></p>
</form>
{% endblock %}
"""

DASHBOARD = """{% extends "base.html" %}
{% block body %}
<div>{{ user }} · <form class="inline" method="post" action="{{ url_for('logout') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}"><button type="submit">{{ t.d_logout }}</button></form></div>
<h1>{{ title }}</h1>
<nav aria-label="{{ t.d_rounds }}"><ul>{% for r in rounds %}<li><a href="{{ url_for('dashboard_round', number=r.number) }}"{% if r.number == number %} aria-current="page"{% endif %}>{{ r.name }}</a></li>{% endfor %}</ul></nav>
{% if message %}<p role="status" id="message">{{ message }}</p>{% endif %}
{% if error %}<p class="error" role="alert" id="review-error">{{ error }}</p>{% endif %}
{% if state %}
<p>{{ t.d_progress.format(returned=returned, total=total, missing=missing, phase=state.phase) }}</p>
<p>{% if master %}<a href="{{ url_for('dashboard_master', number=number) }}">{{ t.d_master }}</a> · <a href="{{ url_for('dashboard_pdf', number=number) }}">{{ t.d_pdf }}</a>{% endif %}</p>
<div class="scroll"><table>
<caption>{{ t.d_centers }}</caption>
<thead><tr><th scope="col">{{ t.d_col_center }}</th><th scope="col">{{ t.d_col_state }}</th><th scope="col">{{ t.d_col_files }}</th><th scope="col">{{ t.d_col_link }}</th><th scope="col">{{ t.d_col_review }}</th></tr></thead>
<tbody>
{% for c in centers %}
<tr id="center-{{ loop.index }}"><td>{{ c.name }}</td><td class="{{ c.css }}">{{ c.word }}{% if c.reason %}<br>{{ c.reason }}{% endif %}</td><td>{{ c.files }}</td>
<td>{% if c.link %}<a href="{{ c.link }}">{{ t.d_link }}</a>{% endif %}</td>
<td>{% if c.reviewable %}
<form method="post" action="{{ url_for('dashboard_review', number=number) }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="center" value="{{ c.name }}">
<button type="submit" name="action" value="accept">{{ t.d_accept }}</button>
</form>
<form method="post" action="{{ url_for('dashboard_review', number=number) }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="center" value="{{ c.name }}">
<label for="reason-{{ loop.index }}">{{ t.d_reason }}</label>
<textarea id="reason-{{ loop.index }}" name="reason" rows="2" required></textarea>
<button type="submit" name="action" value="return">{{ t.d_return }}</button>
</form>{% endif %}</td></tr>
{% endfor %}
</tbody></table></div>
{% if flags %}<h2>{{ t.d_flags }}</h2><ul>{% for f in flags %}<li>{{ f }}</li>{% endfor %}</ul>{% endif %}
{% if reminders %}<h2>{{ t.d_reminders }}</h2><p>{{ t.d_still_missing.format(names=reminders|join(", ")) }}</p>
<form method="post" action="{{ url_for('dashboard_remind', number=number) }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button type="submit">{{ t.d_remind }}</button>
</form>{% endif %}
<h2>{{ t.d_log }}</h2>
<div class="scroll"><table><caption>{{ t.d_events }}</caption>
<thead><tr><th scope="col">{{ t.d_col_at }}</th><th scope="col">{{ t.d_col_what }}</th><th scope="col">{{ t.d_col_who }}</th><th scope="col">{{ t.d_col_address }}</th><th scope="col">{{ t.d_col_outcome }}</th></tr></thead>
<tbody>{% for e in events %}<tr><td>{{ e.at[:19] }}</td><td>{{ e.kind }}</td><td>{{ e.center or "" }} {{ e.user or "" }}</td><td>{{ e.address }}</td><td>{{ e.outcome }}</td></tr>{% endfor %}</tbody></table></div>
{% endif %}
{% endblock %}
"""

TEMPLATES = {
    "base.html": BASE,
    "macros.html": MACROS,
    "center.html": '{% from "macros.html" import findings_table with context %}' + CENTER,
    "message.html": MESSAGE,
    "login.html": LOGIN,
    "dashboard.html": DASHBOARD,
}
