
(function () {
  var LC = window.LC = window.LC || {layers: {}, ready: false, t0: performance.now()};  // t0/t1: script start/end (benchmarks)
  var ESC = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  LC.esc = function (s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return ESC[c]; }); };
  LC.val = function (col, i) { if (!col) return ''; return col.i ? col.v[col.i[i]] : col[i]; };
  LC.decode = function (g) {
    var s = Math.pow(10, g.d), c = g.c, r = g.r, p = g.p, f = g.f, k = g.k;
    var out = new Array(f.length), ci = 0, ri = 0, pi = 0, x = 0, y = 0;
    for (var i = 0; i < f.length; i++) {
      var polys = [], lines = [], pts = [];
      for (var j = 0; j < f[i]; j++, pi++) {
        var rings = [];
        for (var q = 0; q < p[pi]; q++, ri++) {
          var n = r[ri], ll = new Array(n);
          for (var v = 0; v < n; v++) { x += c[ci++]; y += c[ci++]; ll[v] = new L.LatLng(y / s, x / s); }
          rings.push(ll);
        }
        var kind = k.charAt(pi);
        if (kind === 'A') polys.push(rings); else if (kind === 'L') lines.push(rings[0]); else if (rings[0].length) pts.push(rings[0][0]);
      }
      out[i] = {polys: polys, lines: lines, pts: pts};
    }
    return out;
  };
  LC.shape = function (g, opts) {
    if (g.polys.length) return L.polygon(g.polys.length === 1 ? g.polys[0] : g.polys, opts);
    if (g.lines.length) return L.polyline(g.lines.length === 1 ? g.lines[0] : g.lines, opts);
    if (g.pts.length) return L.circleMarker(g.pts[0], L.extend({radius: 7}, opts));
    return null;
  };
  LC.pane = function (map, name, z) {
    if (!map.getPane(name)) { map.createPane(name).style.zIndex = z; }
    return name;
  };
  LC.renderer = function (map, kind, pane) {
    return kind === 'canvas' ? L.canvas({pane: pane, padding: 0.5, tolerance: 3}) : L.svg({pane: pane, padding: 0.5});
  };
  LC.popup = function (d, i) {
    var rows = d.rows, h = '<div class="lc-popup"><div class="lc-popup-head">' + LC.esc(d.idLabel)
      + ' <span class="lc-popup-id">' + LC.esc(LC.val(d.props.id, i)) + '</span></div><table>';
    for (var j = 0; j < rows.length; j++) {
      var v = LC.val(d.props[rows[j][1]], i);
      if (v === '' && rows[j][3]) continue;
      h += '<tr><th>' + LC.esc(rows[j][0]) + '</th><td' + (rows[j][1] === 'deadline' && LC.val(d.props.overdue, i) ? ' class="lc-overdue"' : '') + '>'
        + LC.esc(v) + (v !== '' && rows[j][2] ? LC.esc(rows[j][2]) : '') + '</td></tr>';
    }
    return h + '</table>' + LC.photoStrip(d.props.photos ? LC.val(d.props.photos, i) : null) + '</div>';
  };
  // field photos of a task (landcheck evidence): thumbnails embedded as data: URLs, stage and time below each
  LC.photoImg = function (p) {
    return (p[0] ? '<img src="data:image/jpeg;base64,' + LC.esc(p[0]) + '" alt="">' : '')
      + '<span>' + LC.esc(p[2]) + ' ' + LC.esc(String(p[1]).replace('T', ' ').slice(0, 16)) + '</span>';
  };
  LC.photoStrip = function (ps) {
    if (!ps || !ps.length) return '';
    var h = '<div class="lc-photos">';
    for (var k = 0; k < ps.length; k++) h += '<figure class="lc-photo">' + LC.photoImg(ps[k]) + '</figure>';
    return h + '</div>';
  };
  // a marker at each photo's position, with an arrow along its direction; it opens the task's popup
  LC.photoMarkers = function (map, d, group, pane) {
    var pg = L.featureGroup(), all = d.props.photos, n = d.props.id.i ? d.props.id.i.length : d.props.id.length;
    for (var i = 0; i < n; i++) {
      var ps = LC.val(all, i) || [];
      for (var k = 0; k < ps.length; k++) {
        var p = ps[k], at = L.latLng(p[4], p[3]);
        var mk = L.circleMarker(at, {radius: 5, color: '#fff', weight: 1.5, fillColor: '#1565c0', fillOpacity: 1, pane: pane, className: 'lc-photo-mark'});
        mk.bindPopup(LC.popup(d, i), {maxWidth: 320, className: 'lc-popup-wrap'});
        pg.addLayer(mk);
        if (p[5] !== null && p[5] !== undefined) {
          var b = p[5] * Math.PI / 180, m = 25, dlat = m * Math.cos(b) / 111320, dlon = m * Math.sin(b) / (111320 * Math.cos(at.lat * Math.PI / 180));
          var tip = L.latLng(at.lat + dlat, at.lng + dlon), w = 0.35, back = 8;
          var l1 = L.latLng(tip.lat - back * Math.cos(b - w) / 111320, tip.lng - back * Math.sin(b - w) / (111320 * Math.cos(at.lat * Math.PI / 180)));
          var l2 = L.latLng(tip.lat - back * Math.cos(b + w) / 111320, tip.lng - back * Math.sin(b + w) / (111320 * Math.cos(at.lat * Math.PI / 180)));
          pg.addLayer(L.polyline([[at, tip], [l1, tip, l2]], {color: '#1565c0', weight: 2, pane: pane, interactive: false, className: 'lc-photo-dir'}));
        }
      }
    }
    group.on('add', function () { pg.addTo(map); });
    group.on('remove', function () { map.removeLayer(pg); });
    LC.layers.photos = pg;
    return pg;
  };
  LC.tip = function (d, i) {
    var t = (d.tipKeys || ['id', 'problem_type']).map(function (k) { return LC.val(d.props[k], i); }), a = LC.val(d.props.area, i);
    if (a !== '') t.push(a + ' 亩');
    return LC.esc(t.filter(function (x) { return x !== ''; }).join(' · '));
  };
  LC.findings = function (map, d) {
    var pane = LC.pane(map, 'lcFindings', 450), ren = LC.renderer(map, d.renderer, pane);
    var geo = LC.decode(d.geom), group = L.featureGroup(), shapes = new Array(geo.length);
    for (var i = 0; i < geo.length; i++) {
      var st = d.styles[LC.val(d.style, i)];
      var s = LC.shape(geo[i], L.extend({}, st, {pane: pane, renderer: ren, className: 'lc-finding', lcid: LC.val(d.props.id, i), lcindex: i}));
      geo[i] = null;
      if (!s) continue;
      shapes[i] = s;
      group.addLayer(s);
    }
    // one popup and one tooltip for the whole group: their content is made for the shape touched
    if (!L.Browser.mobile) group.bindTooltip(function (s) { return LC.tip(d, s.options.lcindex); }, {sticky: true, className: 'lc-tip'});
    group.bindPopup(function (s) { return LC.popup(d, s.options.lcindex); },
                    {maxWidth: 320, className: 'lc-popup-wrap', autoPanPaddingTopLeft: [60, 56], autoPanPaddingBottomRight: [12, 12]});
    function weight(s) { return d.renderer === 'svg' && map.getZoom() < 14 ? 3.5 : d.styles[LC.val(d.style, s.options.lcindex)].weight; }
    group.on('popupopen', function (e) { if (e.layer && e.layer.setStyle) { e.layer.setStyle({weight: 5}); e.layer.bringToFront(); } });
    group.on('popupclose', function (e) { if (e.layer && e.layer.setStyle) e.layer.setStyle({weight: weight(e.layer)}); });
    group.lcShapes = shapes;
    LC.layers.findings = group;
    if (d.props.photos) LC.photoMarkers(map, d, group, LC.pane(map, 'lcPhotos', 460));
    // at township scale a finding is a few pixels: a thicker outline keeps it visible (SVG only: cheap there)
    if (d.renderer === 'svg') LC.zoomStyle(map, group, function (z, s) { if (!s.isPopupOpen()) s.setStyle({weight: weight(s)}); });
    return group;
  };
  LC.open = function (s) {
    // open shape s's popup (the group's popup, made for s)
    if (!s || !s._map) return;
    s.fire('click', {latlng: s.getCenter ? s.getCenter() : s.getLatLng()}, true);
  };
  LC.focus = function (i) {
    var s = LC.layers.findings && LC.layers.findings.lcShapes[i];
    if (!s) return;
    var map = LC.map;
    if (s.getBounds) map.fitBounds(s.getBounds(), {maxZoom: 18, padding: [40, 40]}); else map.setView(s.getLatLng(), 18);
    LC.open(s);
    var el = document.getElementById('lc-map-anchor');
    if (el && el.scrollIntoView) el.scrollIntoView({behavior: 'smooth'});
  };
  LC.context = function (map, d) {
    var pane = LC.pane(map, d.pane, d.z), ren = LC.renderer(map, d.renderer, pane);
    var geo = LC.decode(d.geom), group = L.featureGroup();
    for (var i = 0; i < geo.length; i++) {
      var g = d.group[i], opts = L.extend({}, d.styles[g], {pane: pane, renderer: ren, interactive: !!d.names, lcindex: i});
      var s = LC.shape(geo[i], opts);
      if (!s) continue;
      if (d.names && !d.rows && !L.Browser.mobile) s.bindTooltip(LC.esc(d.names[g]), {sticky: true});
      group.addLayer(s);
    }
    if (d.rows) {
      // per-feature popups (transfer blocks): one popup and tooltip for the group, made for the shape touched
      if (!L.Browser.mobile) group.bindTooltip(function (s) { return LC.tip(d, s.options.lcindex); }, {sticky: true, className: 'lc-tip'});
      group.bindPopup(function (s) { return LC.popup(d, s.options.lcindex); }, {maxWidth: 320, className: 'lc-popup-wrap'});
    }
    LC.layers[d.kind] = group;
    if (d.kind === 'farmland') LC.zoomStyle(map, group, function (z, s) {
      s.setStyle(z < 14 ? {weight: 0.5, opacity: 0.45} : {weight: 1, opacity: 0.8});
    });
    return group;
  };
  LC.zoomStyle = function (map, group, fn) {
    function apply() { var z = map.getZoom(); group.eachLayer(function (s) { fn(z, s); }); }
    map.on('zoomend', apply);
    group.on('add', apply);
  };
  // tiles that cannot load (no network): the survey's land use becomes the base and the page says so
  LC.tileState = {loaded: 0, failed: 0, fallen: false};
  LC.tiles = function (list) {
    var ls = list.map(function (t) {
      var l = L.tileLayer(t.url, t.options);
      l.on('tileload', function () { LC.tileState.loaded++; });
      l.on('tileerror', function () { LC.tileState.failed++; LC.tilesFailed(); });
      return l;
    });
    return ls.length === 1 ? ls[0] : L.layerGroup(ls);
  };
  LC.tileFallback = function (map, survey, notice) {
    LC.fb = {map: map, survey: survey, notice: notice};
    LC.tilesFailed();
  };
  LC.tilesFailed = function () {
    var fb = LC.fb, st = LC.tileState;
    if (!fb || st.fallen || st.loaded) return;
    var tiles = false;
    fb.map.eachLayer(function (l) { if (l instanceof L.TileLayer) tiles = true; });
    if (!tiles || !(st.failed >= 2 || navigator.onLine === false)) return;
    st.fallen = true;
    if (fb.survey && !fb.map.hasLayer(fb.survey)) fb.survey.addTo(fb.map);
    var div = L.DomUtil.create('div', 'lc-tiles-note', fb.map.getContainer());
    div.setAttribute('role', 'status');
    div.textContent = fb.notice;
  };
  LC.legend = function (map, htmlText, position) {
    var c = L.control({position: position || 'bottomright'});
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'lc-legend leaflet-bar');
      div.innerHTML = htmlText;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var det = div.querySelector('details');
      if (det && window.innerWidth < 600) det.open = false;
      return div;
    };
    c.addTo(map);
    return c;
  };
  LC.search = function (map, layer, opts) {
    if (!L.Control.Search) return null;
    var sc = new L.Control.Search({
      layer: layer, propertyName: 'lcid', marker: false, initial: false, casesensitive: false,
      collapsed: true, position: 'topleft', textPlaceholder: opts.placeholder, textErr: opts.notFound,
      textCancel: opts.cancel, autoCollapse: false, firstTipSubmit: true,
      buildTip: function (text) { var a = L.DomUtil.create('a'); a.textContent = text; return a; },
      moveToLocation: function (latlng, title, m) {
        var l = latlng.layer;
        if (l && l.getBounds) m.fitBounds(l.getBounds(), {maxZoom: 18, padding: [40, 40]}); else m.setView(latlng, 18);
      }
    });
    sc.on('search:locationfound', function (e) { LC.open(e.layer); });
    map.addControl(sc);
    return sc;
  };
  LC.gcj02 = function (lon, lat) {
    if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) return [lon, lat];
    var PI = Math.PI, a = 6378245.0, ee = 0.00669342162296594323, x = lon - 105.0, y = lat - 35.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
      + (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0
      + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0
      + (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
      + (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0
      + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0
      + (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radlat = lat / 180.0 * PI, magic = 1 - ee * Math.sin(radlat) * Math.sin(radlat), sq = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sq) * PI);
    dlon = (dlon * 180.0) / (a / sq * Math.cos(radlat) * PI);
    return [lon + dlon, lat + dlat];
  };
  LC.shiftGeolocation = function (map) {
    // GPS positions are WGS84; on a GCJ-02 map they are shifted like the data, before Leaflet sees them.
    var orig = map._handleGeolocationResponse;
    map._handleGeolocationResponse = function (pos) {
      var c = pos.coords, g = LC.gcj02(c.longitude, c.latitude);
      var coords = {latitude: g[1], longitude: g[0], accuracy: c.accuracy, altitude: c.altitude,
                    altitudeAccuracy: c.altitudeAccuracy, heading: c.heading, speed: c.speed};
      return orig.call(this, {coords: coords, timestamp: pos.timestamp});
    };
  };
  LC.locate = function (map) {
    if (!L.control.locate) return null;
    map.on('locationfound', function (e) { LC.lastLocation = e.latlng; });
    return L.control.locate({
      position: 'topleft', icon: 'lc-locate-icon', iconLoading: 'lc-locate-icon', flyTo: false,
      strings: {title: '显示我的位置', popup: '您在此位置 {distance} 米范围内', outsideMapBoundsMsg: '您似乎不在地图范围内'},
      locateOptions: {enableHighAccuracy: true, maxZoom: 18},
      onLocationError: function (err) {
        alert('无法获取位置：' + err.message + '\n浏览器只在 https 网址或本地文件中允许定位，并需允许定位权限。');
      }
    }).addTo(map);
  };
  LC.translate = function (root, dict) {
    // leaflet-measure speaks English only: put its words into Chinese as they appear.
    var words = Object.keys(dict).sort(function (a, b) { return b.length - a.length; });
    function walk(node) {
      if (node.nodeType === 3) {
        var t = node.nodeValue, k = t.trim();
        if (dict[k] !== undefined) node.nodeValue = t.replace(k, dict[k]);
        else {
          for (var j = 0; j < words.length; j++) { if (words[j].length > 3 && t.indexOf(words[j]) >= 0) t = t.split(words[j]).join(dict[words[j]]); }
          if (t !== node.nodeValue) node.nodeValue = t;
        }
      } else if (node.nodeType === 1) {
        if (node.title && dict[node.title] !== undefined) node.title = dict[node.title];
        for (var i = 0; i < node.childNodes.length; i++) walk(node.childNodes[i]);
      }
    }
    walk(root);
    if (window.MutationObserver) new MutationObserver(function (ms) {
      ms.forEach(function (m) { m.addedNodes.forEach(walk); if (m.type === 'characterData') walk(m.target); });
    }).observe(root, {childList: true, subtree: true});
  };
})();
