// Printable, self-contained HTML form of the boundary report (what an auditor receives): period,
// generation time, data sources and their coverage, the planes side by side, every figure with the
// query that produced it in a collapsible block, the listed accounts/credentials with their
// evidence ids, and an appendix with every query's SQL and parameters. No external resources:
// inline CSS, one inline script that opens every collapsible block before printing.
import { CONTROLS } from './controls.ts';
import { figureText, sectionTitle, STATUS_LABEL } from './format.ts';
import type { BoundaryReport, Control, Figure, Section } from './types.ts';

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
const e = escapeHtml;
const anchor = (id: string) => `q-${id.replace(/[^A-Za-z0-9_-]/g, '-')}`;

const CSS = `
:root { --ok: #1b7f3b; --part: #9a6700; --bad: #b42318; --na: #6b7280; --line: #d0d5dd; }
* { box-sizing: border-box; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; } h3 { font-size: 14px; margin: 0 0 6px; }
.meta { color: #374151; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
.grid { display: grid; grid-template-columns: repeat(var(--cols), minmax(0, 1fr)); gap: 12px; }
.control { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin-bottom: 10px; break-inside: avoid; }
.status { display: inline-block; font-weight: 700; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
.proven { background: var(--ok); } .partly { background: var(--part); } .not_proven { background: var(--bad); } .not_applicable { background: var(--na); }
.reason { margin: 4px 0 6px; }
.figures { border-top: 1px solid var(--line); }
.figure { border-bottom: 1px solid var(--line); margin: 0; }
.figure .row { display: flex; gap: 8px; padding: 3px 2px; align-items: baseline; }
.figure > summary { cursor: pointer; list-style: none; }
.figure > summary::-webkit-details-marker { display: none; }
.figure .label { flex: 1; }
.figure .value { font-weight: 700; text-align: right; min-width: 80px; }
.figure .q { color: #1d4ed8; font-size: 11px; width: 80px; text-align: right; }
.figure[open] .q { color: #111827; }
details { margin: 2px 0; } summary { cursor: pointer; }
pre { white-space: pre-wrap; word-break: break-word; background: #f9fafb; border: 1px solid var(--line); padding: 6px; font-size: 11px; margin: 4px 0; }
.items { font-size: 12px; margin: 6px 0 0; padding-left: 18px; }
.fw { color: #4b5563; font-size: 12px; margin-top: 6px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 11px; }
@media print { body { margin: 0; } summary { color: #111827; } .control { page-break-inside: avoid; } }
`;

function figureRow(f: Figure, r: BoundaryReport): string {
  const qs = f.queries.map((id) => r.queries.find((q) => q.id === id)).filter((q) => q !== undefined);
  const line = (hint: string) =>
    `<span class="label">${e(f.label)}</span><span class="value">${e(figureText(f))}</span><span class="q">${hint}</span>`;
  if (!qs.length) return `<div class="figure" data-figure="${e(f.name)}"><div class="row">${line('boundary map')}</div></div>`;
  return `<details class="figure" data-figure="${e(f.name)}"><summary class="row">${line('query ▸')}</summary>${qs
    .map(
      (q) => `<div class="mono">query <a href="#${anchor(q.id)}">${e(q.id)}</a> (parameters in the appendix)</div><pre>${e(q.sql)}</pre>`,
    )
    .join('')}</details>`;
}

function controlBlock(c: Control, r: BoundaryReport): string {
  const items = c.items.length
    ? `<ul class="items">${c.items.map((i) => `<li><span class="mono">${e(i.kind)}</span> ${e(i.source)}:${e(i.id)}${i.email && i.email !== i.id ? ` &lt;${e(i.email)}&gt;` : ''}${i.tenant ? ` · tenant ${e(i.tenant)}` : ''}${i.fingerprint ? ` · finding <span class="mono">${e(i.fingerprint)}</span>` : ''}${i.event_ids.length ? ` · events <span class="mono">${e(i.event_ids.join(', '))}</span>` : ''}${i.raw_ids.length ? ` · raw <span class="mono">${e(i.raw_ids.join(', '))}</span>` : ''}</li>`).join('')}</ul>`
    : '';
  return `<div class="control" data-control="${e(c.id)}" data-status="${e(c.status)}">
<h3>${e(c.title)} <span class="status ${e(c.status)}">${e(STATUS_LABEL[c.status])}</span></h3>
<div class="reason">${e(c.reason)}</div>
<div class="figures">${c.figures.map((f) => figureRow(f, r)).join('')}</div>
${items}
<div class="fw">${c.frameworks.map((f) => `${e(f.framework)} ${e(f.item)}`).join(' · ')}</div>
</div>`;
}

function sectionsGrid(sections: Section[], r: BoundaryReport): string {
  const cols = sections.map(
    (s) =>
      `<div class="plane" data-plane="${e(s.plane)}" data-tenant="${e(s.tenant ?? '')}"><h2>${e(sectionTitle(s))}</h2>${CONTROLS.map((m) =>
        s.controls.find((c) => c.id === m.id),
      )
        .filter((c) => c !== undefined)
        .map((c) => controlBlock(c, r))
        .join('\n')}</div>`,
  );
  return `<div class="grid" style="--cols: ${Math.max(1, sections.length)}">${cols.join('\n')}</div>`;
}

export function renderHtml(r: BoundaryReport): string {
  const planeWide = r.sections.filter((s) => s.tenant === null);
  const tenants = r.sections.filter((s) => s.tenant !== null);
  const sources = `<table><thead><tr><th>connection</th><th>source</th><th>transport</th><th>planes</th><th>deliveries in period</th><th>last delivery</th><th>expected interval</th><th>gaps longer</th><th>longest gap</th><th>coverage</th><th>silent at end</th><th>rejected (DLQ)</th></tr></thead><tbody>${r.sources
    .map(
      (s) =>
        `<tr><td class="mono">${e(s.connection_id)}</td><td>${e(s.source)}</td><td>${e(s.transport)}</td><td>${e(s.planes.join(', '))}</td><td>${s.deliveries}</td><td class="mono">${e(s.last_delivery_at ?? 'never')}</td><td>${e(figureText({ name: '', label: '', value: s.silent_after_ms, unit: 'ms', queries: [] }))}</td><td>${s.gaps.length}</td><td>${e(figureText({ name: '', label: '', value: s.longest_gap_ms, unit: 'ms', queries: [] }))}</td><td>${(s.coverage * 100).toFixed(1)}%</td><td>${s.silent_at_end ? 'yes' : 'no'}</td><td>${s.dead_letters}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  const thresholds = Object.entries(r.thresholds)
    .map(
      ([p, t]) =>
        `${e(p)}: deprovisioning SLA ${e(figureText({ name: '', label: '', value: t.deprovision_sla_ms, unit: 'ms', queries: [] }))}, grace ${e(figureText({ name: '', label: '', value: t.grace_ms, unit: 'ms', queries: [] }))}, stale after ${e(figureText({ name: '', label: '', value: t.stale_after_ms, unit: 'ms', queries: [] }))}`,
    )
    .join('; ');
  const appendix = r.queries
    .map(
      (q) =>
        `<details id="${anchor(q.id)}"><summary class="mono">${e(q.id)}</summary><div>${e(q.describes)}</div><pre>${e(q.sql)}</pre><pre>${e(JSON.stringify(q.params, null, 2))}</pre></details>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>planewatch boundary report ${e(r.period.label)}</title>
<style>${CSS}</style></head>
<body>
<h1>Boundary report ${e(r.period.label)}</h1>
<p class="meta">Period [${e(r.period.from)}, ${e(r.period.to)}) · observed to ${e(r.period.observed_to)} · as of ${e(r.as_of)} · generated ${e(r.generated_at)}${r.scope.tenant ? ` · tenant ${e(r.scope.tenant)}` : ''} · schema ${e(r.schema)}</p>
<p class="meta">Thresholds (boundary map): ${thresholds}</p>
<h2>Data sources and coverage</h2>
${sources}
${planeWide.length ? sectionsGrid(planeWide, r) : ''}
${tenants.length ? `<h2>Tenants of the application plane</h2>${tenants.map((t) => sectionsGrid([t], r)).join('\n')}` : ''}
<h2>Queries</h2>
<p class="meta">Every figure names the queries that produced it; each is given here with its exact SQL and parameters (ClickHouse).</p>
${appendix}
<script>window.addEventListener('beforeprint', function () { document.querySelectorAll('details').forEach(function (d) { d.open = true; }); });</script>
</body></html>
`;
}
