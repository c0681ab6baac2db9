#!/usr/bin/awk -f
# Joins the 'RESULT <tool> <case> <median ms> [MiB]' lines of jpac gpu-bench,
# jpac-cudnn-bench and pytorch_pac_bench.py into one table per case:
# jpac / cuDNN (strict fp32) time ratio, and PyTorch PAC's time and memory over jpac's.
# cuDNN's training step is its forward plus its backward (data + filter).
$1 == "RESULT" {
    ms[$2, $3] = $4
    if (NF >= 5) mib[$2, $3] = $5
    if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }
}
function val(tool, c) { return ((tool, c) in ms) ? ms[tool, c] : "" }
function cell(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "" : a / b }
END {
    for (t = 1; t <= 2; t++) {
        tool = t == 1 ? "cudnn-fp32" : "cudnn-default"
        f = val(tool, "conv2d_guided.forward"); b = val(tool, "conv2d_guided.backward")
        if (f != "" && b != "") ms[tool, "conv2d_guided.train"] = f + b
    }
    printf "%-32s %9s %11s %8s %13s %11s %9s %9s %11s %9s\n", "case", "jpac ms", "cuDNN fp32", "ratio",
        "cuDNN default", "PyTorch PAC", "speed-up", "jpac MiB", "PyTorch MiB", "mem ratio"
    for (i = 1; i <= n; i++) {
        c = order[i]
        j = val("jpac", c)
        if (j == "") continue
        cf = val("cudnn-fp32", c); cd = val("cudnn-default", c); p = val("pytorch", c)
        jm = ((("jpac", c) in mib)) ? mib["jpac", c] : ""
        pm = ((("pytorch", c) in mib)) ? mib["pytorch", c] : ""
        printf "%-32s %9s %11s %8s %13s %11s %9s %9s %11s %9s\n", c, cell(j, "%.3f"), cell(cf, "%.3f"),
            cell(ratio(j, cf), "%.2fx"), cell(cd, "%.3f"), cell(p, "%.3f"), cell(ratio(p, j), "%.1fx"),
            cell(jm, "%.1f"), cell(pm, "%.1f"), cell(ratio(pm, jm), "%.1fx")
    }
}
