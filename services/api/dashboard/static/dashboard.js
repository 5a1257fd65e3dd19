// planewatch dashboard (docs/DASHBOARD.md). Plain browser script, no build step, no network access
// beyond this origin. Everything the API returns is inserted as text (textContent / text nodes),
// never as HTML: findings carry vendor-supplied names and emails.
(function () {
  'use strict';

  var TOKEN_KEY = 'planewatch.api-token';
  var PLANES = [
    { id: 'platform', title: 'Platform plane', hint: 'people, API keys and service accounts on the AI provider' },
    { id: 'application', title: 'Application plane', hint: 'customers and tenant users signing into the product' },
  ];
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  // DESIGN.md "boundary crossing": application identities holding platform access, platform
  // identities inside customer tenants, and non-human identities doing what only people should.
  var CROSSINGS = {
    'PW-CUSTOMER-IN-PLATFORM': 'Customer identity holds platform access',
    'PW-PLATFORM-IN-TENANT': 'Platform identity in a customer tenant',
    'PW-NHI-HUMAN-ACTION': 'Non-human identity performing human actions',
  };
  var LIST_LIMIT = 50;
  var MAX_PAGES = 50;
  var MIN = 60000,
    HOUR = 60 * MIN,
    DAY = 24 * HOUR;
  var COLORS = { removedOk: '#2e7d32', removedLate: '#ef6c00', pendingOk: '#90a4ae', overdue: '#c62828', sla: '#17202b' };

  var charts = [];

  // ---------- small DOM helpers (text only) ----------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = String(v);
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(node, c);
      });
      return;
    }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  function $(id) {
    return document.getElementById(id);
  }

  // ---------- formatting ----------
  function fmtDuration(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '—';
    if (ms < HOUR) return Math.round(ms / MIN) + 'm';
    if (ms < 3 * DAY) return trim(ms / HOUR) + 'h';
    return trim(ms / DAY) + 'd';
  }
  function trim(n) {
    return String(Math.round(n * 10) / 10);
  }
  function fmtTime(iso) {
    if (!iso) return '—';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  function fmtAgo(iso, now) {
    if (!iso) return 'never';
    var ms = now - Date.parse(iso);
    if (!isFinite(ms)) return String(iso);
    return ms < 0 ? 'in ' + fmtDuration(-ms) : fmtDuration(ms) + ' ago';
  }
  function subjectText(f) {
    var s = f.subject || {};
    return s.email ? [s.email, ' ', el('span', { class: 'id', text: '(' + s.id + ')' })] : el('span', { class: 'id', text: String(s.id) });
  }
  function badge(cls, text) {
    return el('span', { class: 'badge ' + cls, text: text });
  }
  function sevBadge(sev) {
    return badge('sev-' + (SEVERITY_RANK[sev] === undefined ? 'info' : sev), sev || 'unknown');
  }

  function table(columns, rows, rowAttrs) {
    var thead = el(
      'thead',
      null,
      el(
        'tr',
        null,
        columns.map(function (c) {
          return el('th', { class: c.num ? 'num' : null, text: c.title });
        }),
      ),
    );
    var tbody = el(
      'tbody',
      null,
      rows.map(function (r) {
        return el(
          'tr',
          rowAttrs ? rowAttrs(r) : null,
          columns.map(function (c) {
            var v = c.value(r);
            return el('td', { class: c.num ? 'num' : c.wrap ? 'wrap' : null }, v === null || v === undefined || v === '' ? '—' : v);
          }),
        );
      }),
    );
    return el('table', null, thead, tbody);
  }
  function listOrEmpty(rows, emptyText, columns, rowAttrs) {
    if (!rows.length) return el('p', { class: 'empty', text: emptyText });
    var shown = rows.slice(0, LIST_LIMIT);
    return [
      table(columns, shown, rowAttrs),
      rows.length > shown.length
        ? el('p', { class: 'more', text: 'and ' + (rows.length - shown.length) + ' more (CLI: planewatch findings / credentials)' })
        : null,
    ];
  }
  function unavailable(what, r) {
    var detail = r.status ? 'HTTP ' + r.status : 'no answer';
    var msg = r.body && r.body.error && r.body.error.message ? ': ' + r.body.error.message : r.error ? ': ' + r.error : '';
    return el('p', { class: 'unavailable', text: what + ' unavailable (' + detail + msg + ')' });
  }

  // ---------- API ----------
  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch (e) {
      return null;
    }
  }

  function api(path) {
    var t = token();
    return fetch(path, {
      headers: { authorization: 'Bearer ' + t, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    }).then(
      function (res) {
        return res.text().then(function (text) {
          var body;
          try {
            body = JSON.parse(text);
          } catch (e) {
            body = null;
          }
          return { ok: res.ok, status: res.status, body: body };
        });
      },
      function (err) {
        return { ok: false, status: 0, body: null, error: String((err && err.message) || err) };
      },
    );
  }

  /** Every page of a paginated list endpoint (limit=1000, next_cursor). */
  function apiAll(path) {
    var rows = [];
    function next(cursor, n) {
      var sep = path.indexOf('?') === -1 ? '?' : '&';
      return api(path + sep + 'limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '')).then(function (r) {
        if (!r.ok) return r;
        rows = rows.concat(r.body.data || []);
        if (r.body.next_cursor && n < MAX_PAGES) return next(r.body.next_cursor, n + 1);
        return { ok: true, status: r.status, body: { data: rows, total: r.body.total } };
      });
    }
    return next(null, 1);
  }

  function currentQuarter(now) {
    var d = new Date(now);
    return d.getUTCFullYear() + '-Q' + (Math.floor(d.getUTCMonth() / 3) + 1);
  }

  // ---------- sign-in ----------
  function showSignIn(message) {
    document.body.removeAttribute('data-loaded');
    $('dashboard').hidden = true;
    $('controls').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('as-of').textContent = '';
    clear($('planes'));
    clear($('boundary-report-body'));
    destroyCharts();
    $('token-input').focus();
  }

  function signOut(message) {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* storage disabled */
    }
    showSignIn(message);
  }

  // ---------- rendering ----------
  function planeSkeleton(p) {
    function card(key, title) {
      return el(
        'section',
        { class: 'card', id: p.id + '-' + key, 'aria-labelledby': p.id + '-' + key + '-title' },
        el('h3', { id: p.id + '-' + key + '-title', text: title }),
        el('div', { class: 'body' }, el('p', { class: 'muted', text: 'Loading…' })),
      );
    }
    return el(
      'section',
      { class: 'plane', id: 'plane-' + p.id, 'data-plane': p.id },
      el('h2', null, p.title + ' ', el('span', { class: 'muted', text: '— ' + p.hint })),
      card('findings', 'Open findings by severity'),
      card('lag', 'Deprovisioning lag against the SLA'),
      card('overdue', 'Overdue removals'),
      card('exposure-lag', 'Exposure lag against the SLA'),
      card('exposures', 'Credential exposures'),
      card('stale', 'Stale credentials'),
      card('orphaned', 'Orphaned credentials'),
      card('crossings', 'Boundary crossings'),
      card('sources', 'Source health'),
    );
  }
  function body(planeId, key) {
    return clear($(planeId + '-' + key).querySelector('.body'));
  }

  function renderFindings(planeId, r) {
    var b = body(planeId, 'findings');
    if (!r.ok) return append(b, unavailable('Findings', r));
    var mine = r.body.data.filter(function (f) {
      return f.plane === planeId;
    });
    var counts = {};
    SEVERITIES.forEach(function (s) {
      counts[s] = 0;
    });
    mine.forEach(function (f) {
      counts[SEVERITY_RANK[f.severity] === undefined ? 'info' : f.severity]++;
    });
    append(
      b,
      el(
        'div',
        { class: 'sev-tiles' },
        SEVERITIES.map(function (s) {
          return el(
            'div',
            { class: 'sev-tile sev-' + s + (counts[s] ? '' : ' zero'), 'data-severity': s },
            el('div', { class: 'n', text: counts[s] }),
            el('div', { class: 'label', text: s }),
          );
        }),
      ),
    );
    if (!mine.length) return append(b, el('p', { class: 'empty', text: 'No open findings' }));
    mine.sort(function (a, c) {
      return SEVERITY_RANK[a.severity] - SEVERITY_RANK[c.severity] || (a.detection < c.detection ? -1 : a.detection > c.detection ? 1 : 0);
    });
    append(
      b,
      el(
        'details',
        null,
        el('summary', { text: mine.length === 1 ? 'Show the open finding' : 'Show the ' + mine.length + ' open findings' }),
        listOrEmpty(mine, 'No open findings', [
          {
            title: 'severity',
            value: function (f) {
              return sevBadge(f.severity);
            },
          },
          {
            title: 'detection',
            value: function (f) {
              return f.detection;
            },
          },
          { title: 'subject', wrap: true, value: subjectText },
          {
            title: 'tenant',
            value: function (f) {
              return f.tenant;
            },
          },
          {
            title: 'open since',
            value: function (f) {
              return fmtTime(f.opened_at || f.first_seen);
            },
          },
        ]),
      ),
    );
  }

  function renderLag(planeId, dist, lag, windowDays) {
    var b = body(planeId, 'lag');
    if (!dist.ok) return append(b, unavailable('Lag distribution', dist));
    var d = dist.body.data.planes.filter(function (x) {
      return x.plane === planeId;
    })[0];
    if (!d || d.items === 0)
      return append(b, el('p', { class: 'empty', text: 'No deprovisioned people in the last ' + windowDays + ' days' }));
    var canvas = el('canvas', {
      id: planeId + '-lag-chart',
      role: 'img',
      'aria-label':
        'Deprovisioning lag on the ' +
        planeId +
        ' plane: ' +
        d.removed +
        ' removed, ' +
        d.pending +
        ' pending, SLA ' +
        fmtDuration(d.sla_ms),
    });
    append(b, el('div', { class: 'chart-box' }, canvas));

    var stat = null;
    if (lag.ok)
      stat =
        lag.body.data.statistics.filter(function (s) {
          return s.plane === planeId && s.source === null;
        })[0] || null;
    append(
      b,
      el(
        'p',
        { class: 'lag-summary', id: planeId + '-lag-summary' },
        'SLA ',
        el('b', { text: fmtDuration(d.sla_ms) }),
        ' · ',
        el('b', { text: d.items }),
        ' items of people deprovisioned in the last ' + windowDays + ' days · removed ',
        el('b', { text: d.removed }),
        ' (',
        el('b', { text: d.breaches }),
        ' after the SLA) · pending ',
        el('b', { text: d.pending }),
        ' (',
        el('b', { class: d.overdue ? 'error' : null, text: d.overdue }),
        ' overdue)',
        stat
          ? [
              ' · p50 ',
              el('b', { text: fmtDuration(stat.p50_ms) }),
              ' · p90 ',
              el('b', { text: fmtDuration(stat.p90_ms) }),
              ' · max ',
              el('b', { text: fmtDuration(stat.max_ms) }),
            ]
          : null,
      ),
    );
    lagChart(b, canvas, d, {
      x: 'lag after the deprovision signal (pending: age so far)',
      y: 'accounts and credentials',
      removed: 'removed',
      pending: 'pending',
    });
  }

  /** The stacked SLA-bucket chart of a lag distribution (deprovisioning or exposure) and its data table. */
  function lagChart(b, canvas, d, words) {
    var labels = d.buckets.map(function (k, i) {
      return i === 0
        ? '≤ ' + fmtDuration(k.to_ms)
        : k.to_ms === null
          ? '> ' + fmtDuration(k.from_ms)
          : fmtDuration(k.from_ms) + '–' + fmtDuration(k.to_ms);
    });
    var sets = [
      {
        label: words.removed + ' within SLA',
        color: COLORS.removedOk,
        v: function (k) {
          return k.beyond_sla ? 0 : k.removed;
        },
      },
      {
        label: words.removed + ' after SLA (breach)',
        color: COLORS.removedLate,
        v: function (k) {
          return k.beyond_sla ? k.removed : 0;
        },
      },
      {
        label: words.pending + ', within SLA',
        color: COLORS.pendingOk,
        v: function (k) {
          return k.beyond_sla ? 0 : k.pending;
        },
      },
      {
        label: words.pending + ' past SLA (overdue)',
        color: COLORS.overdue,
        v: function (k) {
          return k.beyond_sla ? k.pending : 0;
        },
      },
    ];
    var slaIndex = d.buckets.filter(function (k) {
      return !k.beyond_sla;
    }).length; // the SLA edge lies before this bucket
    append(
      b,
      el(
        'details',
        null,
        el('summary', { text: 'Chart data' }),
        table(
          [
            {
              title: 'lag / age',
              value: function (r) {
                return r.label;
              },
            },
          ].concat(
            sets.map(function (s) {
              return {
                title: s.label,
                num: true,
                value: function (r) {
                  return r.values[s.label];
                },
              };
            }),
          ),
          d.buckets.map(function (k, i) {
            var values = {};
            sets.forEach(function (s) {
              values[s.label] = s.v(k);
            });
            return { label: labels[i], values: values };
          }),
        ),
      ),
    );

    if (typeof Chart === 'undefined') return append(b, el('p', { class: 'unavailable', text: 'Chart library did not load' }));
    var slaLine = {
      id: 'slaLine',
      afterDatasetsDraw: function (chart) {
        var x = chart.scales.x,
          y = chart.scales.y,
          ctx = chart.ctx;
        var px = (x.getPixelForValue(slaIndex - 1) + x.getPixelForValue(slaIndex)) / 2;
        ctx.save();
        ctx.strokeStyle = COLORS.sla;
        ctx.lineWidth = 2;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(px, y.top);
        ctx.lineTo(px, y.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = COLORS.sla;
        ctx.font = '600 12px system-ui, sans-serif';
        ctx.textAlign = 'left';
        ctx.fillText('SLA ' + fmtDuration(d.sla_ms), px + 4, y.top + 12);
        ctx.restore();
      },
    };
    charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels: labels,
          datasets: sets.map(function (s) {
            return { label: s.label, backgroundColor: s.color, data: d.buckets.map(s.v), stack: 'items' };
          }),
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } }, tooltip: { mode: 'index', intersect: false } },
          scales: {
            x: { stacked: true, title: { display: true, text: words.x }, grid: { display: false } },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: words.y } },
          },
        },
        plugins: [slaLine],
      }),
    );
  }

  // Exposure lag (GET /api/v1/lag/exposures): a secret found by secret scanning → its credential
  // revoked, against the plane's exposure SLA, drawn like the deprovisioning lag; per source below.
  function renderExposureLag(planeId, r, windowDays) {
    var b = body(planeId, 'exposure-lag');
    if (!r.ok) return append(b, unavailable('Exposure lag', r));
    var data = r.body.data;
    var d = data.planes.filter(function (x) {
      return x.plane === planeId;
    })[0];
    if (!d) return append(b, el('p', { class: 'empty', text: 'Not shown to a token limited to tenant ' + data.tenant }));
    if (d.items === 0) return append(b, el('p', { class: 'empty', text: 'No exposed credentials in the last ' + windowDays + ' days' }));
    var canvas = el('canvas', {
      id: planeId + '-exposure-chart',
      role: 'img',
      'aria-label':
        'Exposure lag on the ' +
        planeId +
        ' plane: ' +
        d.removed +
        ' revoked, ' +
        d.pending +
        ' still active, SLA ' +
        fmtDuration(d.sla_ms),
    });
    append(b, el('div', { class: 'chart-box' }, canvas));
    var stats = data.statistics.filter(function (s) {
      return s.plane === planeId;
    });
    var all =
      stats.filter(function (s) {
        return s.source === null;
      })[0] || null;
    append(
      b,
      el(
        'p',
        { class: 'lag-summary', id: planeId + '-exposure-summary' },
        'SLA ',
        el('b', { text: fmtDuration(d.sla_ms) }),
        ' · ',
        el('b', { text: d.items }),
        ' exposed credentials found in the last ' + windowDays + ' days · revoked ',
        el('b', { text: d.removed }),
        ' (',
        el('b', { text: d.breaches }),
        ' after the SLA) · still active ',
        el('b', { text: d.pending }),
        ' (',
        el('b', { class: d.overdue ? 'error' : null, text: d.overdue }),
        ' overdue)',
        all
          ? [
              ' · p50 ',
              el('b', { text: fmtDuration(all.p50_ms) }),
              ' · p90 ',
              el('b', { text: fmtDuration(all.p90_ms) }),
              ' · max ',
              el('b', { text: fmtDuration(all.max_ms) }),
            ]
          : null,
      ),
    );
    append(
      b,
      table(
        [
          {
            title: 'source',
            value: function (s) {
              return s.source;
            },
          },
          {
            title: 'exposed',
            num: true,
            value: function (s) {
              return s.count;
            },
          },
          {
            title: 'revoked',
            num: true,
            value: function (s) {
              return s.removed;
            },
          },
          {
            title: 'breaches',
            num: true,
            value: function (s) {
              return s.breaches;
            },
          },
          {
            title: 'active',
            num: true,
            value: function (s) {
              return s.pending;
            },
          },
          {
            title: 'overdue',
            num: true,
            value: function (s) {
              return s.overdue;
            },
          },
          {
            title: 'p50',
            num: true,
            value: function (s) {
              return fmtDuration(s.p50_ms);
            },
          },
          {
            title: 'p90',
            num: true,
            value: function (s) {
              return fmtDuration(s.p90_ms);
            },
          },
          {
            title: 'max',
            num: true,
            value: function (s) {
              return fmtDuration(s.max_ms);
            },
          },
        ],
        stats.filter(function (s) {
          return s.source !== null;
        }),
        function (s) {
          return { 'data-source': s.source };
        },
      ),
    );
    lagChart(b, canvas, d, {
      x: 'exposure → revocation (still active: age so far)',
      y: 'exposed credentials',
      removed: 'revoked',
      pending: 'still active',
    });
  }

  var NOT_MATCHED = 'not matched — planewatch does not know which credential';
  function renderExposures(planeId, r) {
    var b = body(planeId, 'exposures');
    if (!r.ok) return append(b, unavailable('Credential exposures', r));
    var rows = r.body.data.exposures.filter(function (x) {
      return x.plane === planeId;
    });
    append(
      b,
      listOrEmpty(
        rows,
        'No credential exposures',
        [
          {
            title: 'alert',
            wrap: true,
            value: function (x) {
              return [x.repository, ' ', el('span', { class: 'id', text: '(' + x.alert_id + ')' })];
            },
          },
          {
            title: 'secret type',
            value: function (x) {
              return x.secret_type;
            },
          },
          {
            title: 'credential',
            wrap: true,
            value: function (x) {
              if (x.match !== 'one')
                return el('span', {
                  class: 'badge state-error flag',
                  'data-match': x.match,
                  text: x.match === 'ambiguous' ? 'ambiguous: ' + NOT_MATCHED : NOT_MATCHED,
                });
              return [x.source + ' ' + x.credential_kind + ' ', el('span', { class: 'id', text: x.credential_id })];
            },
          },
          {
            title: 'exposed',
            value: function (x) {
              return fmtTime(x.exposed_at);
            },
          },
          {
            title: 'revoked',
            value: function (x) {
              return x.match !== 'one' ? '—' : x.revoked_at ? fmtTime(x.revoked_at) + ' (' + fmtDuration(x.lag_ms) + ')' : 'still active';
            },
          },
          {
            title: 'SLA',
            value: function (x) {
              return x.within_sla === null
                ? 'unknown'
                : x.within_sla
                  ? badge('state-ok', 'within')
                  : badge('state-error', x.revoked_at ? 'breach' : 'overdue');
            },
          },
          {
            title: 'alert state',
            value: function (x) {
              return x.alert_state + (x.resolution ? ' (' + x.resolution + ')' : '');
            },
          },
        ],
        function (x) {
          return { 'data-alert': x.alert_id, 'data-match': x.match };
        },
      ),
    );
  }

  function renderOverdue(planeId, lag) {
    var b = body(planeId, 'overdue');
    if (!lag.ok) return append(b, unavailable('Overdue removals', lag));
    var now = Date.parse(lag.body.data.now);
    var rows = lag.body.data.overdue.filter(function (f) {
      return f.plane === planeId;
    });
    append(
      b,
      listOrEmpty(
        rows,
        'No overdue removals',
        [
          { title: 'subject', wrap: true, value: subjectText },
          {
            title: 'kind',
            value: function (f) {
              return f.subject && f.subject.kind;
            },
          },
          {
            title: 'source',
            value: function (f) {
              return f.source;
            },
          },
          {
            title: 'tenant',
            value: function (f) {
              return f.tenant;
            },
          },
          {
            title: 'deprovisioned',
            value: function (f) {
              return f.detail && f.detail.signal_at ? fmtTime(f.detail.signal_at) : '—';
            },
          },
          {
            title: 'pending for',
            value: function (f) {
              return f.detail && f.detail.signal_at ? fmtDuration(now - Date.parse(f.detail.signal_at)) : '—';
            },
          },
        ],
        function (f) {
          return { 'data-subject': f.subject && f.subject.id };
        },
      ),
    );
  }

  function credentialColumns(now, extra) {
    return [
      {
        title: 'credential',
        value: function (c) {
          return c.name
            ? [c.name, ' ', el('span', { class: 'id', text: '(' + c.credential_id + ')' })]
            : el('span', { class: 'id', text: c.credential_id });
        },
      },
      {
        title: 'kind',
        value: function (c) {
          return c.kind;
        },
      },
      {
        title: 'owner',
        wrap: true,
        value: function (c) {
          return c.owner_email || c.owner_id;
        },
      },
      {
        title: 'source',
        value: function (c) {
          return c.source;
        },
      },
    ].concat(extra(now));
  }
  function renderCredentials(planeId, key, r, what) {
    var b = body(planeId, key);
    if (!r.ok) return append(b, unavailable(what === 'stale' ? 'Stale credentials' : 'Orphaned credentials', r));
    var now = Date.now();
    var rows = r.body.data.filter(function (c) {
      return c.plane === planeId;
    });
    append(
      b,
      listOrEmpty(
        rows,
        what === 'stale' ? 'No stale credentials' : 'No orphaned credentials',
        credentialColumns(now, function (n) {
          return what === 'stale'
            ? [
                {
                  title: 'last used',
                  value: function (c) {
                    return fmtAgo(c.last_used_at, n);
                  },
                },
                {
                  title: 'created',
                  value: function (c) {
                    return fmtTime(c.created_at);
                  },
                },
              ]
            : [
                {
                  title: 'owner kind',
                  value: function (c) {
                    return c.owner_kind;
                  },
                },
                {
                  title: 'last used',
                  value: function (c) {
                    return fmtAgo(c.last_used_at, n);
                  },
                },
              ];
        }),
        function (c) {
          return { 'data-credential': c.credential_id };
        },
      ),
    );
  }

  function renderCrossings(planeId, r) {
    var b = body(planeId, 'crossings');
    if (!r.ok) return append(b, unavailable('Boundary crossings', r));
    var rows = r.body.data.filter(function (f) {
      return f.plane === planeId && Object.prototype.hasOwnProperty.call(CROSSINGS, f.detection);
    });
    append(
      b,
      listOrEmpty(rows, 'No boundary crossings', [
        {
          title: 'severity',
          value: function (f) {
            return sevBadge(f.severity);
          },
        },
        {
          title: 'crossing',
          value: function (f) {
            return CROSSINGS[f.detection] + ' (' + f.detection + ')';
          },
        },
        { title: 'subject', wrap: true, value: subjectText },
        {
          title: 'tenant',
          value: function (f) {
            return f.tenant;
          },
        },
      ]),
    );
  }

  /** connection id → the planes it feeds (from /api/v1/boundaries). */
  function planesByConnection(boundaries) {
    var m = {};
    (boundaries.body.data || []).forEach(function (p) {
      (p.connections || []).forEach(function (c) {
        (m[c.connection_id] = m[c.connection_id] || []).push(p.plane);
      });
    });
    return m;
  }
  function sourceState(s, silent) {
    if (!s.enabled) return 'disabled';
    if (silent[s.connection_id]) return 'silent';
    if (s.last_error && (s.consecutive_failures > 0 || !s.last_success_at || s.last_error_at > s.last_success_at)) return 'error';
    // A webhook succeeds when a delivery arrives, a poller when a cycle completes: both set last_success_at.
    if (!s.last_success_at) return 'waiting';
    return 'ok';
  }
  function renderSources(planeId, status, boundaries, findings) {
    var b = body(planeId, 'sources');
    if (!status.ok) return append(b, unavailable('Source health', status));
    if (!boundaries.ok) return append(b, unavailable('Plane assignment of sources', boundaries));
    var feeds = planesByConnection(boundaries);
    var silent = {};
    if (findings.ok)
      findings.body.data.forEach(function (f) {
        if (f.detection === 'PW-SOURCE-SILENT' && f.subject) silent[f.subject.id] = true;
      });
    var rows = status.body.data.filter(function (s) {
      return (feeds[s.connection_id] || []).indexOf(planeId) !== -1;
    });
    var now = Date.now();
    append(
      b,
      listOrEmpty(
        rows,
        'No sources feed this plane',
        [
          {
            title: 'connection',
            value: function (s) {
              return s.connection_id;
            },
          },
          {
            title: 'vendor',
            value: function (s) {
              return s.vendor + ' · ' + s.transport;
            },
          },
          {
            title: 'state',
            value: function (s) {
              var st = sourceState(s, silent);
              return badge('state-' + st, st);
            },
          },
          {
            title: 'last success',
            value: function (s) {
              return fmtAgo(s.last_success_at, now);
            },
          },
          {
            title: 'last error',
            value: function (s) {
              return s.last_error ? s.last_error + (s.last_error_at ? ' (' + fmtAgo(s.last_error_at, now) + ')' : '') : null;
            },
          },
          {
            title: 'dead letters',
            num: true,
            value: function (s) {
              return s.dead_letters;
            },
          },
        ],
        function (s) {
          return { 'data-connection': s.connection_id };
        },
      ),
    );
  }

  // The boundary report (GET /api/v1/reports/boundaries, docs/REPORTS.md) rendered as it comes:
  // scalars as a definition list, arrays of objects as tables, nested objects as blocks.
  function renderValue(v, depth) {
    if (v === null || v === undefined) return '—';
    if (typeof v !== 'object') return String(v);
    if (Array.isArray(v)) {
      if (!v.length) return el('span', { class: 'muted', text: 'none' });
      if (
        v.every(function (x) {
          return x === null || typeof x !== 'object';
        })
      )
        return v.join(', ');
      if (depth >= 3) return v.length + ' items';
      var cols = [];
      v.forEach(function (row) {
        if (row && typeof row === 'object')
          Object.keys(row).forEach(function (k) {
            if (cols.indexOf(k) === -1) cols.push(k);
          });
      });
      return listOrEmpty(
        v,
        'none',
        cols.map(function (k) {
          return {
            title: k,
            value: function (row) {
              return row && typeof row === 'object' ? renderValue(row[k], depth + 1) : String(row);
            },
          };
        }),
      );
    }
    var keys = Object.keys(v);
    if (depth >= 3) return keys.length + ' fields';
    return el(
      'dl',
      { class: 'kv' },
      keys.map(function (k) {
        return [el('dt', { text: k }), el('dd', null, renderValue(v[k], depth + 1))];
      }),
    );
  }
  var REPORT_STATUS = { proven: 'state-ok', partly: 'state-silent', not_proven: 'state-error', not_applicable: 'state-disabled' };
  function sectionLabel(sec) {
    return sec.plane + (sec.tenant ? ' · ' + sec.tenant : '');
  }
  function pct(x) {
    return x === null || x === undefined ? '—' : Math.round(x * 1000) / 10 + '%';
  }

  // planewatch.boundary-report.v1 (store/reports/types.ts, docs/REPORTS.md): controls × sections
  // with their status, the reasons in a fold-out, and the sources' coverage of the period.
  function renderBoundaryReportV1(b, rep) {
    var sections = rep.sections || [];
    var controls = [];
    sections.forEach(function (sec) {
      (sec.controls || []).forEach(function (c) {
        if (
          !controls.some(function (x) {
            return x.id === c.id;
          })
        )
          controls.push({ id: c.id, title: c.title, question: c.question });
      });
    });
    var cell = function (sec, id) {
      return (
        (sec.controls || []).filter(function (c) {
          return c.id === id;
        })[0] || null
      );
    };
    append(
      b,
      el('p', {
        class: 'muted',
        text:
          'Period ' +
          rep.period.label +
          ': ' +
          fmtTime(rep.period.from) +
          ' to ' +
          fmtTime(rep.period.to) +
          ' (observed to ' +
          fmtTime(rep.period.observed_to) +
          '), as of ' +
          fmtTime(rep.as_of) +
          '. Full report with every figure, item and query: planewatch report --period ' +
          rep.period.label +
          ' (or format=html).',
      }),
    );
    append(
      b,
      table(
        [
          {
            title: 'control',
            value: function (c) {
              return [c.title, el('span', { class: 'question', text: c.question })];
            },
          },
        ].concat(
          sections.map(function (sec) {
            return {
              title: sectionLabel(sec),
              value: function (c) {
                var x = cell(sec, c.id);
                return x
                  ? el('span', {
                      class: 'badge ' + (REPORT_STATUS[x.status] || 'state-disabled'),
                      title: x.reason,
                      'data-section': sectionLabel(sec),
                      text: x.status.replace('_', ' '),
                    })
                  : null;
              },
            };
          }),
        ),
        controls,
        function (c) {
          return { 'data-control': c.id };
        },
      ),
    );
    append(
      b,
      el(
        'details',
        null,
        el('summary', { text: 'Why each status' }),
        el(
          'ul',
          null,
          sections.map(function (sec) {
            return (sec.controls || []).map(function (c) {
              return el(
                'li',
                null,
                el('b', { text: sectionLabel(sec) + ' — ' + c.title + ': ' + c.status.replace('_', ' ') }),
                ' ',
                c.reason,
              );
            });
          }),
        ),
      ),
    );
    var sources = rep.sources || [];
    append(b, el('h3', { text: 'Source coverage of the period' }));
    append(
      b,
      listOrEmpty(
        sources,
        'No sources in the report',
        [
          {
            title: 'connection',
            value: function (x) {
              return x.connection_id;
            },
          },
          {
            title: 'planes',
            value: function (x) {
              return (x.planes || []).join(', ');
            },
          },
          {
            title: 'coverage',
            num: true,
            value: function (x) {
              return pct(x.coverage);
            },
          },
          {
            title: 'longest gap',
            num: true,
            value: function (x) {
              return x.longest_gap_ms === null ? 'none' : fmtDuration(x.longest_gap_ms);
            },
          },
          {
            title: 'silent at end',
            value: function (x) {
              return x.silent_at_end ? badge('state-silent', 'silent') : 'no';
            },
          },
          {
            title: 'deliveries',
            num: true,
            value: function (x) {
              return x.deliveries;
            },
          },
          {
            title: 'dead letters',
            num: true,
            value: function (x) {
              return x.dead_letters;
            },
          },
        ],
        function (x) {
          return { 'data-connection': x.connection_id };
        },
      ),
    );
  }

  function renderReport(r, period) {
    var b = clear($('boundary-report-body'));
    $('boundary-report-period').textContent = '— ' + period;
    if (!r.ok) {
      b.setAttribute('data-status', String(r.status));
      return append(
        b,
        el('p', {
          class: 'unavailable',
          text:
            'boundary report unavailable (HTTP ' +
            r.status +
            (r.body && r.body.error && r.body.error.message ? ': ' + r.body.error.message : r.error ? ': ' + r.error : '') +
            ')',
        }),
      );
    }
    b.setAttribute('data-status', '200');
    var rep = r.body && r.body.data !== undefined ? r.body.data : r.body;
    if (rep && rep.schema === 'planewatch.boundary-report.v1') return renderBoundaryReportV1(b, rep);
    // A report shape this page does not know yet: show what came, as it came.
    append(b, el('div', { class: 'report-block' }, renderValue(rep, 0)));
  }

  function destroyCharts() {
    charts.forEach(function (c) {
      c.destroy();
    });
    charts = [];
  }

  function load() {
    var windowDays = Number($('lag-window').value) || 90;
    var now = Date.now();
    var from = new Date(now - windowDays * DAY).toISOString();
    var to = new Date(now + MIN).toISOString();
    var period = currentQuarter(now);
    destroyCharts();
    var planes = clear($('planes'));
    PLANES.forEach(function (p) {
      planes.appendChild(planeSkeleton(p));
    });
    $('sign-in').hidden = true;
    $('dashboard').hidden = false;
    $('controls').hidden = false;
    $('as-of').textContent = 'Loading…';
    var win = 'from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to);
    return Promise.all([
      apiAll('/api/v1/findings?status=open'),
      api('/api/v1/lag?' + win),
      api('/api/v1/lag/distribution?' + win),
      apiAll('/api/v1/credentials?which=stale'),
      apiAll('/api/v1/credentials?which=orphaned'),
      api('/api/v1/status'),
      api('/api/v1/boundaries'),
      api('/api/v1/reports/boundaries?period=' + encodeURIComponent(period)),
      api('/api/v1/lag/exposures?' + win),
    ]).then(function (rs) {
      if (
        rs.some(function (r) {
          return r.status === 401;
        })
      )
        return signOut('The token was not accepted (HTTP 401). Paste a valid API token.');
      var findings = rs[0],
        lag = rs[1],
        dist = rs[2],
        stale = rs[3],
        orphaned = rs[4],
        status = rs[5],
        boundaries = rs[6],
        report = rs[7],
        exposures = rs[8];
      PLANES.forEach(function (p) {
        renderFindings(p.id, findings);
        renderLag(p.id, dist, lag, windowDays);
        renderOverdue(p.id, lag);
        renderExposureLag(p.id, exposures, windowDays);
        renderExposures(p.id, exposures);
        renderCredentials(p.id, 'stale', stale, 'stale');
        renderCredentials(p.id, 'orphaned', orphaned, 'orphaned');
        renderCrossings(p.id, findings);
        renderSources(p.id, status, boundaries, findings);
      });
      renderReport(report, period);
      $('as-of').textContent = 'Data as of ' + fmtTime(new Date(now).toISOString());
      document.body.setAttribute('data-loaded', 'true');
    });
  }

  function start() {
    $('sign-in-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var value = $('token-input').value.trim();
      $('token-input').value = '';
      if (!value) return;
      try {
        sessionStorage.setItem(TOKEN_KEY, value);
      } catch (err) {
        return showSignIn('This browser does not allow session storage; the dashboard needs it to keep the token.');
      }
      load();
    });
    $('sign-out').addEventListener('click', function () {
      signOut('');
    });
    $('refresh').addEventListener('click', function () {
      load();
    });
    $('lag-window').addEventListener('change', function () {
      load();
    });
    if (token()) load();
    else showSignIn('');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
