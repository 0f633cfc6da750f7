// Figures fitted to the width they are drawn at, in the browser (only it knows the width),
// each under its graph's id: the live pages' clientside callbacks draw with them
// (ClientsideFunction("fit", <graph id>)), and so does the first paint, before Dash starts.
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.fit = window.dash_clientside.fit || {};

// On a phone the long council names would leave the bars a sliver: names over 22 characters
// wrap onto two lines (the reader's mark on its own line), rows grow to fit them, the value
// labels get smaller and the axis room past the longest bar grows to keep them in view.
window.dash_clientside.fit["compare-chart"] = function (figure) {
    // The live page's panel, or (in the first paint, whose ids are prefixed) the first paint's.
    var holder = document.getElementById('compare-panel') || document.getElementById('first-paint-compare-panel');
    var width = holder && holder.clientWidth ? holder.clientWidth : window.innerWidth;
    // A copy: Plotly writes into the figure it draws, and the Store would see its data change.
    figure = figure && JSON.parse(JSON.stringify(figure));
    if (!figure || !figure.layout || width >= 560) { return figure; }
    function wrap(label) {
        if (typeof label !== 'string' || label.length <= 22) { return label; }
        var mine = label.indexOf(' (your council)');
        if (mine > 0) { return label.slice(0, mine) + '<br>' + label.slice(mine + 1); }
        var lines = [], line = '';
        label.split(' ').forEach(function (word) {
            if (line && (line + ' ' + word).length > 22) { lines.push(line); line = word; }
            else { line = line ? line + ' ' + word : word; }
        });
        return lines.concat([line]).join('<br>');
    }
    var layout = figure.layout;
    var data = figure.data.map(function (trace) {
        var copy = Object.assign({}, trace);
        if (Array.isArray(trace.y)) { copy.y = trace.y.map(wrap); }
        if (trace.mode === 'text') { copy.textfont = Object.assign({}, trace.textfont, {size: 10}); }
        return copy;
    });
    var categories = layout.yaxis.categoryarray || [];
    layout.yaxis.categoryarray = categories.map(wrap);
    layout.yaxis.tickfont = Object.assign({}, layout.yaxis.tickfont, {size: 11});
    layout.margin = Object.assign({}, layout.margin, {l: 2, r: 8});
    var lines = Math.max.apply(null, [1].concat(layout.yaxis.categoryarray.map(function (label) {
        return String(label).split('<br>').length;
    })));
    if (lines > 1) {
        layout.height = Math.max(layout.height || 0,
                                 categories.length * (lines * 13 + 3) + layout.margin.t + layout.margin.b + 30);
    }
    // The axis runs to just past the longest interval (not a fixed 0-100%), leaving room for
    // the labels; the heading above names the measure, so the axis title goes.
    var largest = 0;
    figure.data.forEach(function (trace) {
        if (trace.type !== 'bar') { return; }
        var ends = (trace.error_x || {}).array || [];
        trace.x.forEach(function (x, i) { largest = Math.max(largest, x + (ends[i] || 0)); });
    });
    (layout.annotations || []).forEach(function (note) { largest = Math.max(largest, note.x || 0); });
    if (layout.xaxis && largest > 0) {
        layout.xaxis.range = [0, largest * 1.45];
        delete layout.xaxis.title;
    }
    (layout.annotations || []).forEach(function (note) {
        note.font = Object.assign({}, note.font, {size: 11});
        if (layout.xaxis && note.x > layout.xaxis.range[1] / 2) { note.xanchor = 'right'; }
    });
    return {data: data, layout: layout};
};
