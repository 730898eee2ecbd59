/*
 * report.js - draws badio's HTML report from the JSON document embedded
 * in the page (id "badio-data"; written by tools/report_html.c from
 * store/html.c).  No library, no network: the page must open from
 * file:// on a machine with nothing installed.
 *
 * The timeline has one row per file (writes, syncs, truncates) and one
 * per directory (creates, renames, unlinks, links, directory fsyncs);
 * the x axis is call order.  Each site is a mark coloured by the worst
 * verdict of its experiments (under the verdict and fault filters);
 * fsync/fdatasync are drawn as barriers on their row, sync/syncfs across
 * every row, and a rename whose source had writes not yet synced is
 * outlined in red: that write can be lost while the new name survives.
 *
 * Drawing is virtualized: only the rows in the scrolled viewport and the
 * sites in the zoomed x range are drawn, and where sites are denser than
 * a few pixels each they are binned (one rect per bin, worst verdict).
 * That keeps the DOM small at 100,000 sites.
 */
(function () {
	'use strict';

	var t0 = performance.now();
	var D = JSON.parse(document.getElementById('badio-data').textContent);
	var tParsed = performance.now();
	var SUM = D.summary;
	/* column indexes of the rows (store/html.c) */
	var S_ID = 0, S_SEQ = 1, S_PID = 2, S_TID = 3, S_SYSCALL = 4,
	    S_FAMILY = 5, S_PATH = 6, S_PATH2 = 7, S_KIND = 8, S_OFFSET = 9,
	    S_COUNT = 10, S_RESULT = 11, S_CALLSITE = 12, S_KEY_PATH = 13,
	    S_ORDINAL = 14;
	var E_SITE = 0, E_FAULT = 1, E_STATE = 2, E_VERDICT = 3, E_STATUS = 4,
	    E_ORACLE = 5, E_INJECTED = 6, E_DIVERGED = 7, E_DIVERGENCE = 8,
	    E_FBYTES = 9, E_PTAIL = 10, E_OTAIL = 11, E_ORACLE_ID = 12;

	/* Colours and how bad each verdict is (higher is worse). */
	var COLORS = {
		'ok': '#3a9a4a', 'reported': '#3b73c4',
		'silent-corruption': '#b0126e', 'corruption': '#e0301e',
		'crashed': '#f08c00', 'hang': '#7b3fb5',
		'unreached': '#9a9a9a', 'oracle-error': '#c9b200'
	};
	var SEVERITY = {
		'ok': 1, 'reported': 2, 'unreached': 3, 'oracle-error': 4,
		'hang': 5, 'crashed': 6, 'corruption': 7, 'silent-corruption': 8
	};
	var ROW_H = 22, LABEL_W = 250, AXIS_H = 22, MARK_H = 12, BIN_PX = 4;
	var SVGNS = 'http://www.w3.org/2000/svg';

	var verdicts = SUM.verdicts.map(function (v) { return v[0]; });
	var isBug = {};
	SUM.verdicts.forEach(function (v) { isBug[v[0]] = !!v[1]; });
	verdicts.forEach(function (v) {
		if (!(v in COLORS))
			COLORS[v] = isBug[v] ? '#e0301e' : '#9a9a9a';
		if (!(v in SEVERITY))
			SEVERITY[v] = isBug[v] ? 6.5 : 3.5;
	});

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		for (var k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}
	function sv(tag, attrs) {
		var e = document.createElementNS(SVGNS, tag);
		for (var k in attrs)
			e.setAttribute(k, attrs[k]);
		return e;
	}
	function $(id) { return document.getElementById(id); }
	function shq(s) {
		return /^[A-Za-z0-9_.,:\/=+@%-]+$/.test(s) ? s :
		    "'" + String(s).replace(/'/g, "'\\''") + "'";
	}
	function dirname(p) {
		if (!p || p.charAt(0) === '<')
			return null;
		var i = p.lastIndexOf('/');
		return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
	}

	/* "oracle ./check.sh", or "oracles #1 true, #2 ./check.sh (mixed)" */
	var ORACLES = SUM.oracles || [];
	var MIXED = ORACLES.length > 1;
	function oracleText() {
		if (!ORACLES.length)
			return 'oracle (none yet)';
		if (!MIXED)
			return 'oracle ' + shq(ORACLES[0].command);
		return 'verdicts of ' + ORACLES.length + ' oracles (explore ' +
		    '--reuse-verdicts): ' + ORACLES.map(function (o) {
			return '#' + o.id + ' ' + shq(o.command) + ' (' +
			    plural(o.experiments, 'experiment') + ')';
		    }).join(', ');
	}

	/* --- the model: sites, their experiments, rows --- */

	/* rows carry string-table indexes (-1: null): resolve them once */
	var STR = D.strings;
	function str(i) { return i >= 0 ? STR[i] : null; }
	var SITE_TEXT = [S_SYSCALL, S_FAMILY, S_PATH, S_PATH2, S_KIND,
	    S_CALLSITE, S_KEY_PATH];
	var EXP_TEXT = [E_FAULT, E_STATE, E_VERDICT, E_STATUS, E_DIVERGENCE,
	    E_PTAIL, E_OTAIL];
	function resolve(rows, cols) {
		for (var r = 0; r < rows.length; r++)
			for (var c = 0; c < cols.length; c++)
				rows[r][cols[c]] = str(rows[r][cols[c]]);
	}
	resolve(D.sites, SITE_TEXT);
	resolve(D.experiments, EXP_TEXT);
	/* the replay key, built when shown (family:key_path:ordinal) */
	function keyOf(s) {
		return s[S_FAMILY] + ':' + s[S_KEY_PATH] + ':' + s[S_ORDINAL];
	}

	var sites = D.sites;
	var n = sites.length;
	var rankOf = {};		/* site id -> index in sites (call order) */
	sites.forEach(function (s, i) { rankOf[s[S_ID]] = i; });
	var expsOf = new Array(n);	/* index -> [experiment rows] */
	D.experiments.forEach(function (e) {
		var i = rankOf[e[E_SITE]];
		if (i === undefined)
			return;
		(expsOf[i] = expsOf[i] || []).push(e);
	});
	var skippedOf = {};
	D.skipped.forEach(function (k) {
		var i = rankOf[k[0]];
		if (i !== undefined)
			(skippedOf[i] = skippedOf[i] || []).push(k[1]);
	});
	var callsites = {};
	D.callsites.forEach(function (c) {
		callsites[c[0]] = { location: c[1], frames: c[2] || [] };
	});

	var faults = [], states = [];
	D.experiments.forEach(function (e) {
		if (faults.indexOf(e[E_FAULT]) < 0)
			faults.push(e[E_FAULT]);
		var st = e[E_STATE] || '';
		if (st && states.indexOf(st) < 0)
			states.push(st);
	});

	var NAMESPACE_ON_DIR = /^(rename|renameat|renameat2|unlink|unlinkat|open|openat|openat2|creat|mkdir|mkdirat|rmdir|link|linkat|symlink|symlinkat|mknod|mknodat)$/;
	var BARRIER = /^(fsync|fdatasync|msync)$/;
	var GLOBAL_BARRIER = /^(sync|syncfs)$/;

	function isDirSite(s) {
		return NAMESPACE_ON_DIR.test(s[S_SYSCALL]) ||
		    (s[S_KIND] === 'dir' && s[S_FAMILY] === 'sync');
	}

	/* rows: one per file and per directory, in order of first use */
	var rows = [], rowByKey = {};
	var rowOf = new Int32Array(n);
	var globalBarriers = [];
	function rowFor(key, label, dir) {
		var r = rowByKey[key];
		if (r === undefined) {
			r = rows.length;
			rowByKey[key] = r;
			rows.push({ key: key, label: label, dir: dir, sites: [] });
		}
		return r;
	}
	for (var i = 0; i < n; i++) {
		var s = sites[i], r;

		/* the program's end (family end): a row of its own, last */
		if (s[S_FAMILY] === 'end') {
			r = rowFor('end', 'program end (power fails after exit)',
			    false);
			rowOf[i] = r;
			rows[r].sites.push(i);
			continue;
		}
		if (GLOBAL_BARRIER.test(s[S_SYSCALL]) && s[S_PATH] === '<all>') {
			globalBarriers.push(i);
			rowOf[i] = -1;
			continue;
		}
		if (isDirSite(s)) {
			var d = s[S_KIND] === 'dir' && s[S_FAMILY] === 'sync' ?
			    s[S_PATH] : dirname(s[S_PATH]);
			r = d === null ? rowFor('f:' + s[S_PATH], s[S_PATH], false) :
			    rowFor('d:' + d, d === '.' ? './ (run directory)' :
			    d + '/', true);
		} else {
			r = rowFor('f:' + s[S_PATH], s[S_PATH] || '?', false);
		}
		rowOf[i] = r;
		rows[r].sites.push(i);
	}

	/*
	 * Renames of a file with unsynced writes: the rename may reach the
	 * disk before the data (DURABILITY_NOTES T2).  A write to P is
	 * covered by a later fsync/fdatasync of P or a sync of everything.
	 */
	var unsynced = new Uint8Array(n);
	var unsyncedWhy = {};
	(function () {
		var lastWrite = {}, lastSync = {}, lastAll = -1;

		for (var i = 0; i < n; i++) {
			var s = sites[i], p = s[S_PATH], sc = s[S_SYSCALL];

			if (s[S_FAMILY] === 'write' && s[S_KIND] === 'regular')
				lastWrite[p] = i;
			else if (BARRIER.test(sc))
				lastSync[p] = i;
			else if (GLOBAL_BARRIER.test(sc))
				lastAll = i;
			else if (/^(rename|renameat|renameat2|link|linkat)$/.test(sc)) {
				/* a link names path2's file anew as path */
				var from = /^link/.test(sc) ? s[S_PATH2] : p;
				var w = lastWrite[from];
				if (w !== undefined && w > lastAll &&
				    !(lastSync[from] > w)) {
					unsynced[i] = 1;
					unsyncedWhy[i] = w;
				}
				if (/^rename/.test(sc) && s[S_PATH2]) {
					/* the data now lives under the new name */
					lastWrite[s[S_PATH2]] = lastWrite[p];
					lastSync[s[S_PATH2]] = lastSync[p];
					delete lastWrite[p];
					delete lastSync[p];
				}
			}
		}
	})();

	/* --- filters and the worst verdict per site --- */

	var showVerdict = {}, showFault = {}, showState = {};
	verdicts.forEach(function (v) { showVerdict[v] = true; });
	faults.forEach(function (f) { showFault[f] = true; });
	states.forEach(function (st) { showState[st] = true; });

	var worst = new Array(n);	/* verdict name, or null */
	function expShown(e) {
		return showVerdict[e[E_VERDICT]] !== false &&
		    showFault[e[E_FAULT]] !== false &&
		    (!e[E_STATE] || showState[e[E_STATE]] !== false);
	}
	function computeWorst() {
		for (var i = 0; i < n; i++) {
			var best = null, sev = 0, es = expsOf[i] || [];
			for (var k = 0; k < es.length; k++) {
				var v = es[k][E_VERDICT];
				if (expShown(es[k]) && SEVERITY[v] > sev) {
					sev = SEVERITY[v];
					best = v;
				}
			}
			worst[i] = best;
		}
	}

	/* --- the header: program, oracle, counts, legend with filters --- */

	function countOf(v) { return (SUM.counts && SUM.counts[v]) || 0; }
	function plural(k, what) { return k + ' ' + what + (k === 1 ? '' : 's'); }
	function renderHeader() {
		var h = $('summary');
		var rec = SUM.recording || {};
		var args = (rec.argv || []).slice();
		if (args.length)
			args[0] = args[0].replace(/^.*\//, '');
		var argv = args.map(shq).join(' ') || rec.exe || '?';
		h.appendChild(el('h1', {}, 'badio report: ' + argv));
		document.title = 'badio report: ' + argv;
		var meta = el('div', { class: 'muted' });
		meta.textContent = 'program ' + (rec.exe || '?') +
		    (rec.init_dir ? ', --init ' + rec.init_dir : '') +
		    '; recorded status ' + (rec.status || '?') + ', ' +
		    plural(rec.sites || 0, 'site') + ' on ' +
		    plural(rec.files || 0, 'file') + '; ' + oracleText() +
		    '; badio ' + D.badio;
		h.appendChild(meta);

		var bugs = 0;
		verdicts.forEach(function (v) { if (isBug[v]) bugs += countOf(v); });
		/* as badio report says it (tools/inconclusive.c) */
		var ic = SUM.inconclusive || { total: 0, unreached: 0,
		    not_judged: 0, diverged: 0 };
		var inconclusive = ic.total;
		var pending = D.pending || 0;
		var line = el('div', { id: 'verdict-line' });
		if (SUM.experiments === 0)
			line.textContent = 'not explored yet: run badio explore';
		else if (bugs > 0) {
			line.className = 'bugline';
			line.textContent = bugs + ' bug verdict' + (bugs === 1 ? '' : 's') +
			    ' in ' + SUM.experiments + ' experiments';
		} else if (inconclusive > 0) {
			line.textContent = 'no bug verdict, but inconclusive (below)';
		} else {
			line.className = 'okline';
			line.textContent = 'no bug verdict in ' + SUM.experiments +
			    ' experiments';
		}
		h.appendChild(line);
		if (inconclusive > 0 || SUM.not_explored > 0 || pending > 0) {
			var w = el('div', { class: 'warn', id: 'inconclusive' });
			var parts = [];
			if (ic.unreached)
				parts.push(ic.unreached + ' did not reach ' +
				    (ic.unreached === 1 ? 'its site' : 'their site'));
			if (ic.not_judged)
				parts.push(ic.not_judged + (ic.not_judged === 1 ?
				    ' was' : ' were') + ' not judged by the oracle');
			if (ic.diverged)
				parts.push(ic.diverged + ' diverged from the recording');
			var text = inconclusive ? 'inconclusive: ' + inconclusive +
			    ' of ' + plural(SUM.experiments, 'experiment') +
			    ' (' + parts.join(', ') + ')' : '';
			if (SUM.not_explored)
				text += (text ? '; ' : '') + SUM.not_explored +
				    ' (site, fault) pairs not explored';
			if (pending)
				text += (text ? '; ' : '') + 'not run yet: ' + pending +
				    ' of the ' + D.planned + ' experiments planned';
			w.textContent = text;
			w.dataset.unreached = ic.unreached;
			w.dataset.notJudged = ic.not_judged;
			w.dataset.diverged = ic.diverged;
			w.dataset.notExplored = SUM.not_explored || 0;
			w.dataset.pending = pending;
			h.appendChild(w);
		}

		var c = el('div', { class: 'counts', id: 'legend' });
		verdicts.forEach(function (v) {
			var lab = el('label', { class: 'count', 'data-verdict': v,
			    'data-count': countOf(v) });
			var box = el('input', { type: 'checkbox' });
			box.checked = true;
			box.addEventListener('change', function () {
				showVerdict[v] = box.checked;
				refilter();
			});
			var sw = el('span', { class: 'swatch' });
			sw.style.background = COLORS[v];
			lab.appendChild(box);
			lab.appendChild(sw);
			lab.appendChild(document.createTextNode(v + ' ' + countOf(v)));
			c.appendChild(lab);
		});
		h.appendChild(c);
	}

	function renderFilters() {
		var f = $('faults');
		function add(list, shown, kind) {
			list.forEach(function (name) {
				var lab = el('label', { class: 'count' });
				var attrs = { type: 'checkbox' };
				attrs['data-' + kind] = name;
				var box = el('input', attrs);
				box.checked = true;
				box.addEventListener('change', function () {
					shown[name] = box.checked;
					refilter();
				});
				lab.appendChild(box);
				lab.appendChild(document.createTextNode(name));
				f.appendChild(lab);
			});
		}
		if (faults.length)
			f.appendChild(el('span', { class: 'muted' }, 'faults:'));
		add(faults, showFault, 'fault');
		if (states.length)
			f.appendChild(el('span', { class: 'muted' }, 'states:'));
		add(states, showState, 'state');
	}

	function renderGroups() {
		var ul = $('groups');
		var groups = SUM.groups || [];
		if (!groups.length) {
			ul.appendChild(el('li', { class: 'muted' }, 'no bug groups'));
			return;
		}
		groups.forEach(function (g) {
			var li = el('li', { class: 'group', 'data-verdict': g.verdict });
			var sw = el('span', { class: 'swatch' });
			sw.style.background = COLORS[g.verdict] || '#999';
			var a = el('a', { 'data-site': g.sites[0] });
			a.textContent = (g.location || (g.path === '<end>' ?
			    '(program end)' : '?')) + '  ' + (g.path || '') + '  ' +
			    g.verdict + ' under ' + (g.faults || []).join(', ') +
			    (g.state ? ' (' + g.state + ')' : '') + ' at ' +
			    g.sites.length + ' site' + (g.sites.length === 1 ? '' : 's');
			a.addEventListener('click', function () {
				select(rankOf[g.sites[0]], true);
			});
			li.appendChild(sw);
			li.appendChild(document.createTextNode(' '));
			li.appendChild(a);
			ul.appendChild(li);
		});
	}

	/* --- the timeline --- */

	var tl, svg, spacer;
	var v0 = 0, v1 = Math.max(n, 1);	/* x range shown, in site ranks */
	var selected = -1;
	var frameQueued = false;

	function plotW() { return Math.max(200, tl.clientWidth - LABEL_W - 12); }
	function xOf(rank) { return LABEL_W + (rank - v0) * plotW() / (v1 - v0); }
	function lowerBound(a, x) {
		var lo = 0, hi = a.length;
		while (lo < hi) {
			var mid = (lo + hi) >> 1;
			if (a[mid] < x) lo = mid + 1; else hi = mid;
		}
		return lo;
	}

	function markClass(i) {
		var c = 'mark ' + (worst[i] ? 'v-' + worst[i] :
		    skippedOf[i] ? 'skipped' : 'none');
		if (unsynced[i])
			c += ' unsynced';
		if (i === selected)
			c += ' sel';
		return c;
	}

	function drawAxis(g, top) {
		var w = plotW(), span = v1 - v0;
		var step = Math.pow(10, Math.floor(Math.log10(Math.max(span / 8, 1))));
		if (span / step > 16) step *= 5;
		else if (span / step > 8) step *= 2;
		var ax = sv('g', { class: 'axis' });
		ax.appendChild(sv('line', { x1: LABEL_W, x2: LABEL_W + w,
		    y1: top + AXIS_H - 1, y2: top + AXIS_H - 1 }));
		for (var t = Math.ceil(v0 / step) * step; t < v1; t += step) {
			var x = xOf(t);
			ax.appendChild(sv('line', { x1: x, x2: x, y1: top + AXIS_H - 5,
			    y2: top + AXIS_H - 1 }));
			var tx = sv('text', { x: x + 2, y: top + 12 });
			tx.textContent = '#' + (t + 1);
			ax.appendChild(tx);
		}
		var lab = sv('text', { x: 4, y: top + 12 });
		lab.textContent = 'call order (site ' + (Math.floor(v0) + 1) + '–' +
		    Math.ceil(v1) + ' of ' + n + ')';
		ax.appendChild(lab);
		g.appendChild(ax);
	}

	function drawRow(g, r, y) {
		var row = rows[r];
		var w = plotW();
		var lab = sv('text', { class: 'rowlabel' + (row.dir ? ' dir' : ''),
		    x: 4, y: y + 15, 'data-row': row.key });
		var text = row.label;
		if (text.length > 38)
			text = '…' + text.slice(-37);
		lab.textContent = text;
		var title = sv('title', {});
		title.textContent = row.label;
		lab.appendChild(title);
		g.appendChild(lab);
		g.appendChild(sv('line', { class: 'rowline', x1: LABEL_W, x2: LABEL_W + w,
		    y1: y + ROW_H / 2, y2: y + ROW_H / 2 }));

		var a = lowerBound(row.sites, Math.floor(v0));
		var b = lowerBound(row.sites, Math.ceil(v1));
		var pxPer = w / (v1 - v0);
		var my = y + (ROW_H - MARK_H) / 2;
		if ((b - a) * BIN_PX <= w || pxPer >= BIN_PX) {
			var mw = Math.max(3, Math.min(10, pxPer - 1));
			for (var k = a; k < b; k++) {
				var i = row.sites[k], s = sites[i], x = xOf(i + 0.5);
				if (BARRIER.test(s[S_SYSCALL]) || (s[S_KIND] === 'dir' &&
				    s[S_FAMILY] === 'sync'))
					g.appendChild(sv('line', { class: 'barrier',
					    x1: x, x2: x, y1: y + 1, y2: y + ROW_H - 1,
					    'data-site': s[S_ID] }));
				var m = sv('rect', { class: markClass(i), x: x - mw / 2,
				    y: my, width: mw, height: MARK_H, rx: 1.5,
				    'data-site': s[S_ID] });
				if (worst[i])
					m.setAttribute('fill', COLORS[worst[i]]);
				g.appendChild(m);
			}
			return b - a;
		}
		/* dense: one rect per BIN_PX pixels, the worst verdict in it */
		var drawn = 0, binStart = -1, binWorst = null, binSev = -1,
		    binSite = 0, binSync = false;
		function flush() {
			if (binStart < 0)
				return;
			var bx = LABEL_W + binStart * BIN_PX;
			if (binSync)
				g.appendChild(sv('line', { class: 'barrier', x1: bx + 1,
				    x2: bx + 1, y1: y + 1, y2: y + ROW_H - 1 }));
			var m = sv('rect', { class: 'bin ' + (binWorst ? 'v-' + binWorst :
			    'none'), x: bx, y: my, width: BIN_PX - 0.5, height: MARK_H,
			    'data-site': binSite });
			m.setAttribute('fill', binWorst ? COLORS[binWorst] : '#fff');
			if (!binWorst)
				m.setAttribute('stroke', '#9aa3ad');
			g.appendChild(m);
			drawn++;
		}
		for (var k2 = a; k2 < b; k2++) {
			var i2 = row.sites[k2];
			var bin = Math.floor((xOf(i2 + 0.5) - LABEL_W) / BIN_PX);
			if (bin !== binStart) {
				flush();
				binStart = bin;
				binWorst = null;
				binSev = -1;
				binSite = sites[i2][S_ID];
				binSync = false;
			}
			var v = worst[i2];
			var sev = v ? SEVERITY[v] : 0;
			if (sev > binSev) {
				binSev = sev;
				binWorst = v;
				binSite = sites[i2][S_ID];
			}
			if (BARRIER.test(sites[i2][S_SYSCALL]))
				binSync = true;
		}
		flush();
		return drawn;
	}

	function draw() {
		frameQueued = false;
		var top = tl.scrollTop;
		var h = tl.clientHeight;
		var first = Math.max(0, Math.floor((top - AXIS_H) / ROW_H));
		var last = Math.min(rows.length, Math.ceil((top + h) / ROW_H) + 1);
		var w = plotW();
		var ns = sv('svg', { width: LABEL_W + w + 8, height: h, id: 'plot',
		    'data-rows': rows.length, 'data-first-row': first });
		ns.style.top = top + 'px';
		var g = sv('g', { transform: 'translate(0,' + (-top) + ')' });
		var marks = 0;
		for (var r = first; r < last; r++)
			marks += drawRow(g, r, AXIS_H + r * ROW_H);
		for (var k = 0; k < globalBarriers.length; k++) {
			var gi = globalBarriers[k];
			if (gi < v0 || gi >= v1)
				continue;
			var x = xOf(gi + 0.5);
			g.appendChild(sv('line', { class: 'barrier all', x1: x, x2: x,
			    y1: top + AXIS_H, y2: top + h, 'data-site': sites[gi][S_ID] }));
		}
		drawAxis(g, top);
		ns.appendChild(g);
		ns.addEventListener('click', onPlotClick);
		if (svg)
			tl.replaceChild(ns, svg);
		else
			tl.appendChild(ns);
		svg = ns;
		tl.dataset.marks = marks;
	}
	function redraw() {
		if (!frameQueued) {
			frameQueued = true;
			requestAnimationFrame(draw);
		}
	}

	function onPlotClick(ev) {
		var t = ev.target;
		while (t && t !== svg && !(t.dataset && t.dataset.site))
			t = t.parentNode;
		if (t && t.dataset && t.dataset.site)
			select(rankOf[t.dataset.site], false);
	}

	function zoom(factor, center) {
		var span = (v1 - v0) * factor;
		span = Math.max(Math.min(span, Math.max(n, 1)), Math.min(20, n || 1));
		var c = center === undefined ? (v0 + v1) / 2 : center;
		var f = (c - v0) / (v1 - v0);
		v0 = c - f * span;
		v1 = v0 + span;
		clampView();
		redraw();
	}
	function clampView() {
		var span = v1 - v0, max = Math.max(n, 1);
		if (v0 < 0) { v0 = 0; v1 = span; }
		if (v1 > max) { v1 = max; v0 = Math.max(0, max - span); }
	}
	function centerOn(i) {
		var span = v1 - v0;
		if (span > 400 && n > 400) span = 400;
		v0 = i + 0.5 - span / 2;
		v1 = v0 + span;
		clampView();
		var r = rowOf[i];
		if (r >= 0) {
			var y = AXIS_H + r * ROW_H;
			if (y < tl.scrollTop || y > tl.scrollTop + tl.clientHeight - ROW_H)
				tl.scrollTop = Math.max(0, y - tl.clientHeight / 2);
		}
	}

	function setupTimeline() {
		tl = $('timeline');
		spacer = el('div', { id: 'spacer' });
		spacer.style.height = (AXIS_H + rows.length * ROW_H + 4) + 'px';
		/* no taller than the rows need, at most most of the window */
		tl.style.height = Math.max(120, Math.min(AXIS_H + rows.length * ROW_H +
		    8, Math.round(window.innerHeight * 0.62))) + 'px';
		tl.appendChild(spacer);
		tl.addEventListener('scroll', redraw);
		window.addEventListener('resize', redraw);
		tl.addEventListener('wheel', function (ev) {
			if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
				var d = (ev.deltaX || ev.deltaY) * (v1 - v0) / plotW();
				v0 += d;
				v1 += d;
				clampView();
				redraw();
				ev.preventDefault();
			} else if (ev.ctrlKey || ev.altKey) {
				var rect = tl.getBoundingClientRect();
				var px = ev.clientX - rect.left - LABEL_W;
				zoom(ev.deltaY > 0 ? 1.25 : 0.8,
				    v0 + Math.max(0, px) * (v1 - v0) / plotW());
				ev.preventDefault();
			}
		}, { passive: false });
		var drag = null;
		tl.addEventListener('mousedown', function (ev) {
			drag = { x: ev.clientX, v0: v0, v1: v1, moved: false };
		});
		window.addEventListener('mousemove', function (ev) {
			if (!drag)
				return;
			var d = (drag.x - ev.clientX) * (drag.v1 - drag.v0) / plotW();
			if (Math.abs(ev.clientX - drag.x) > 3)
				drag.moved = true;
			if (drag.moved) {
				v0 = drag.v0 + d;
				v1 = drag.v1 + d;
				clampView();
				redraw();
			}
		});
		window.addEventListener('mouseup', function () { drag = null; });
		$('zoom-in').addEventListener('click', function () { zoom(0.5); });
		$('zoom-out').addEventListener('click', function () { zoom(2); });
		$('zoom-fit').addEventListener('click', function () {
			v0 = 0;
			v1 = Math.max(n, 1);
			redraw();
		});
	}

	/* --- the details panel --- */

	function kv(box, k, v) {
		box.appendChild(el('div', {}, k));
		box.appendChild(el('div', { class: 'mono' }, v === null ||
		    v === undefined ? '–' : String(v)));
	}
	function tail(t) { return t || ''; }

	function select(i, pan) {
		if (i === undefined || i < 0 || i >= n)
			return;
		selected = i;
		if (pan)
			centerOn(i);
		showPanel(i);
		redraw();
		if (history.replaceState)
			history.replaceState(null, '', '#site=' + sites[i][S_ID]);
	}

	function showPanel(i) {
		var s = sites[i];
		var p = $('panel');
		p.textContent = '';
		p.dataset.site = s[S_ID];
		p.appendChild(el('h2', {}, s[S_SYSCALL] + '(' + (s[S_PATH] || '') +
		    (s[S_PATH2] ? ' → ' + s[S_PATH2] : '') + ')'));
		var box = el('div', { class: 'kv' });
		kv(box, 'site', s[S_ID] + ' (call #' + s[S_SEQ] + ')');
		kv(box, 'replay key', keyOf(s));
		kv(box, 'family', s[S_FAMILY] + ', ' + s[S_KIND]);
		kv(box, 'offset', s[S_OFFSET]);
		kv(box, 'count', s[S_COUNT]);
		kv(box, 'result', s[S_RESULT]);
		kv(box, 'process', 'pid ' + s[S_PID] + ', tid ' + s[S_TID]);
		var cs = callsites[s[S_CALLSITE]];
		kv(box, 'call site', cs && cs.location ? cs.location + ' (id ' +
		    s[S_CALLSITE] + ')' : s[S_CALLSITE]);
		p.appendChild(box);
		if (unsynced[i]) {
			var w = sites[unsyncedWhy[i]];
			p.appendChild(el('p', { class: 'note' }, 'renamed before its data ' +
			    'was synced: the write at call #' + w[S_SEQ] + ' (' +
			    w[S_SYSCALL] + ' of ' + w[S_COUNT] + ' bytes) is not covered ' +
			    'by an fsync of ' + s[S_PATH] + ' before this call'));
		}
		var es = expsOf[i] || [];
		p.appendChild(el('h2', {}, es.length + ' experiment' +
		    (es.length === 1 ? '' : 's')));
		if (skippedOf[i])
			p.appendChild(el('p', { class: 'muted' }, 'not explored: ' +
			    skippedOf[i].join(', ')));
		if (es.length) {
			var t = el('table', { class: 'exps' });
			var hr = el('tr');
			var cols = states.length ? ['fault', 'state', 'verdict', 'status',
			    'oracle'] : ['fault', 'verdict', 'status', 'oracle'];
			cols.forEach(function (h) { hr.appendChild(el('th', {}, h)); });
			t.appendChild(hr);
			es.forEach(function (e) {
				var tr = el('tr', { class: 'exp', 'data-fault': e[E_FAULT],
				    'data-state': e[E_STATE] || '',
				    'data-verdict': e[E_VERDICT] });
				tr.appendChild(el('td', {}, e[E_FAULT]));
				if (states.length)
					tr.appendChild(el('td', {}, e[E_STATE] || ''));
				var vd = el('td', {});
				var sw = el('span', { class: 'swatch' });
				sw.style.background = COLORS[e[E_VERDICT]] || '#999';
				vd.appendChild(sw);
				vd.appendChild(document.createTextNode(' ' + e[E_VERDICT] +
				    (e[E_DIVERGED] ? ' (diverged)' : '')));
				tr.appendChild(vd);
				tr.appendChild(el('td', {}, e[E_STATUS]));
				tr.appendChild(el('td', {}, (e[E_ORACLE] === null ? '–' :
				    'exit ' + e[E_ORACLE]) + (MIXED && e[E_ORACLE_ID] !== null ?
				    ' (#' + e[E_ORACLE_ID] + ')' : '')));
				t.appendChild(tr);
				var dt = el('tr');
				var td = el('td', { colspan: cols.length });
				if (e[E_DIVERGED] && e[E_DIVERGENCE])
					td.appendChild(el('div', { class: 'muted' }, 'diverged: ' +
					    e[E_DIVERGENCE]));
				if (e[E_FBYTES] !== null)
					td.appendChild(el('div', { class: 'muted' }, 'bytes let ' +
					    'through: ' + e[E_FBYTES]));
				if (tail(e[E_PTAIL])) {
					td.appendChild(el('div', { class: 'muted' }, 'program:'));
					td.appendChild(el('pre', { class: 'tail' }, tail(e[E_PTAIL])));
				}
				if (tail(e[E_OTAIL])) {
					td.appendChild(el('div', { class: 'muted' }, 'oracle:'));
					td.appendChild(el('pre', { class: 'tail' }, tail(e[E_OTAIL])));
				}
				dt.appendChild(td);
				t.appendChild(dt);
			});
			p.appendChild(t);
		}
		if (cs && cs.frames.length) {
			p.appendChild(el('h2', {}, 'stack'));
			var ol = el('ol', { class: 'mono', id: 'stack' });
			cs.frames.forEach(function (f) { ol.appendChild(el('li', {}, f)); });
			p.appendChild(ol);
		}
	}

	function refilter() {
		computeWorst();
		if (selected >= 0)
			showPanel(selected);
		redraw();
	}

	/* --- start --- */

	var tModel = performance.now();
	renderHeader();
	renderFilters();
	renderGroups();
	computeWorst();
	setupTimeline();
	draw();
	var m = /#site=(\d+)/.exec(location.hash);
	if (m && rankOf[m[1]] !== undefined) {
		selected = rankOf[m[1]];
		centerOn(selected);
		showPanel(selected);
		draw();
	}
	document.body.dataset.sites = n;
	document.body.dataset.rows = rows.length;
	document.body.dataset.renderMs = performance.now().toFixed(1);
	/* where the time went: before the script, parsing, the model */
	document.body.dataset.timing = [t0, tParsed - t0, tModel - tParsed,
	    performance.now() - tModel].map(function (t) {
		return t.toFixed(0);
	}).join(' ');
})();
