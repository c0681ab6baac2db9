#include "cpu/geometry.hpp"

#include <algorithm>
#include <climits>

namespace jpac::cpu {

int64_t conv_out_size(int64_t in, const AxisSpec& s) {
    int64_t span = in + 2LL * s.pad - int64_t(s.dilation) * (s.k - 1) - 1;
    if (span < 0) return 0;
    return span / s.stride + 1;
}

int64_t transposed_out_size(int64_t in, const AxisSpec& s) {
    return (in - 1) * s.stride - 2LL * s.pad + int64_t(s.dilation) * (s.k - 1) + s.output_padding + 1;
}

int64_t transposed_in_size(int64_t out, const AxisSpec& s) {
    int64_t span = out - s.output_padding - 1 - int64_t(s.dilation) * (s.k - 1) + 2LL * s.pad;
    if (span < 0) return 0;
    return span / s.stride + 1;
}

namespace {
Axis::Affine affine_of(const std::vector<int>& table, int k, int64_t out, int64_t step);

// The tap-major copies of the tap tables.
void transpose_tables(Axis& a) {
    const int64_t out = std::max<int64_t>(a.out_size, 0);
    a.in_tap_t.assign(out * a.k, -1);
    a.guide_tap_t.assign(out * a.k, -1);
    for (int64_t y = 0; y < out; ++y)
        for (int i = 0; i < a.k; ++i) {
            a.in_tap_t[i * out + y] = a.in_tap[y * a.k + i];
            a.guide_tap_t[i * out + y] = a.guide_tap[y * a.k + i];
        }
}
}  // namespace

Axis make_axis(const AxisSpec& spec, bool transposed, int64_t in_size, int m) {
    Axis a;
    a.k = spec.k;
    a.m = m;
    a.in_size = in_size;
    a.out_size = transposed ? transposed_out_size(in_size, spec) : conv_out_size(in_size, spec);
    a.guide_size = transposed ? a.out_size : in_size;
    const int64_t out = std::max<int64_t>(a.out_size, 0);
    a.in_tap.assign(out * spec.k, -1);
    a.guide_tap.assign(out * spec.k, -1);
    a.smooth_tap.assign(out * m, -1);
    a.centre_tap.assign(out, -1);
    auto inside = [](int64_t i, int64_t n) { return i >= 0 && i < n; };
    // The guide window: the conv's own window, or for the transposed kernel
    // stride 1 and padding d(k-1)/2 over the output-sized guide.
    const int64_t g_stride = transposed ? 1 : spec.stride;
    const int64_t g_pad = transposed ? int64_t(spec.dilation) * (spec.k - 1) / 2 : spec.pad;
    const int64_t q = int64_t(spec.dilation) * (spec.k - 1) - spec.pad;  // transposed front padding
    for (int64_t y = 0; y < out; ++y) {
        for (int i = 0; i < spec.k; ++i) {
            if (transposed) {
                int64_t u = y + int64_t(i) * spec.dilation - q;  // index into the zero-inserted input
                if (u >= 0 && u % spec.stride == 0 && u / spec.stride < in_size)
                    a.in_tap[y * spec.k + i] = int(u / spec.stride);
            } else {
                int64_t r = y * spec.stride - spec.pad + int64_t(i) * spec.dilation;
                if (inside(r, in_size)) a.in_tap[y * spec.k + i] = int(r);
            }
            int64_t g = y * g_stride - g_pad + int64_t(i) * spec.dilation;
            if (inside(g, a.guide_size)) a.guide_tap[y * spec.k + i] = int(g);
        }
        a.centre_tap[y] = a.guide_tap[y * spec.k + spec.k / 2];
        for (int u = 0; u < m; ++u) {
            // Smoothing ignores dilation, as the reference does.
            int64_t g = y * g_stride - g_pad + (spec.k - m) / 2 + u;
            if (inside(g, a.guide_size)) a.smooth_tap[y * m + u] = int(g);
        }
    }
    transpose_tables(a);
    a.phases = transposed ? spec.stride : 1;
    a.phase_of.assign(out, 0);
    a.phase_taps.assign(a.phases, {});
    for (int64_t y = 0; y < out; ++y) a.phase_of[y] = int((((y - q) % a.phases) + a.phases) % a.phases);
    for (int p = 0; p < a.phases; ++p)
        for (int i = 0; i < spec.k; ++i)
            if ((p + int64_t(i) * spec.dilation) % a.phases == 0) a.phase_taps[p].push_back(i);
    a.phase_first.assign(a.phases, out);
    for (int64_t y = out - 1; y >= 0; --y) a.phase_first[a.phase_of[y]] = y;
    a.in_affine = affine_of(a.in_tap, spec.k, out, transposed ? (spec.stride == 1 ? 1 : 0) : spec.stride);
    a.guide_affine = affine_of(a.guide_tap, spec.k, out, g_stride);
    return a;
}

Axis restrict_to_phase(const Axis& a, int phase) {
    const std::vector<int>& taps = a.phase_taps[phase];
    const int64_t first = a.phase_first[phase], s = a.phases;
    Axis r;
    r.k = int(taps.size());
    r.m = a.m;
    r.in_size = a.in_size;
    r.guide_size = a.guide_size;
    r.out_size = first < a.out_size ? (a.out_size - first + s - 1) / s : 0;
    const int64_t out = r.out_size;
    r.in_tap.resize(out * r.k);
    r.guide_tap.resize(out * r.k);
    r.smooth_tap.resize(out * r.m);
    r.centre_tap.resize(out);
    for (int64_t q = 0; q < out; ++q) {
        const int64_t y = first + q * s;
        for (int v = 0; v < r.k; ++v) {
            r.in_tap[q * r.k + v] = a.in_tap[y * a.k + taps[v]];
            r.guide_tap[q * r.k + v] = a.guide_tap[y * a.k + taps[v]];
        }
        for (int u = 0; u < r.m; ++u) r.smooth_tap[q * r.m + u] = a.smooth_tap[y * a.m + u];
        r.centre_tap[q] = a.centre_tap[y];
    }
    transpose_tables(r);
    r.phases = 1;
    r.phase_of.assign(out, 0);
    r.phase_taps.assign(1, {});
    for (int v = 0; v < r.k; ++v) r.phase_taps[0].push_back(v);
    r.phase_first.assign(1, 0);
    r.in_affine = affine_of(r.in_tap, r.k, out, 1);
    r.guide_affine = affine_of(r.guide_tap, r.k, out, s);  // the transposed guide window moves 1 per output
    return r;
}

namespace {

// Describes `table` as affine runs if it is one (see Axis::Affine).
Axis::Affine affine_of(const std::vector<int>& table, int k, int64_t out, int64_t step) {
    Axis::Affine a;
    a.step = step;
    a.lo.assign(k, 0);
    a.hi.assign(k, 0);
    a.first.assign(k, 0);
    for (int i = 0; i < k; ++i) {
        int64_t lo = -1, hi = -1;
        for (int64_t x = 0; x < out; ++x) {
            const int v = table[x * k + i];
            if (v < 0) {
                if (lo >= 0 && hi < 0) hi = x;
                continue;
            }
            if (hi >= 0) return Axis::Affine{};  // a gap: not one run
            if (lo < 0) lo = x;
            if (v != table[lo * k + i] + (x - lo) * step) return Axis::Affine{};
        }
        if (lo < 0) lo = hi = 0;       // no valid output for this tap
        else if (hi < 0) hi = out;
        a.lo[i] = lo;
        a.hi[i] = hi;
        a.first[i] = hi > lo ? table[lo * k + i] : 0;
    }
    a.valid = true;
    return a;
}

bool bands_disjoint(const std::vector<int>& table, int per_row, int64_t rows, int64_t h) {
    if (per_row == 0) return true;
    int64_t bands = (rows + h - 1) / h;
    std::vector<int> lo(bands, INT_MAX), hi(bands, INT_MIN);
    for (int64_t y = 0; y < rows; ++y) {
        for (int i = 0; i < per_row; ++i) {
            int v = table[y * per_row + i];
            if (v < 0) continue;
            lo[y / h] = std::min(lo[y / h], v);
            hi[y / h] = std::max(hi[y / h], v);
        }
    }
    for (int64_t b = 0; b + 2 < bands; ++b) {
        if (hi[b] >= lo[b + 2] && hi[b] != INT_MIN && lo[b + 2] != INT_MAX) return false;
    }
    return true;
}

}  // namespace

int64_t band_height(const Axis& rows, int64_t at_least) {
    const int64_t out = rows.out_size;
    for (int64_t h = std::max<int64_t>(1, at_least); h < out; ++h) {
        if (bands_disjoint(rows.in_tap, rows.k, out, h) &&
            bands_disjoint(rows.guide_tap, rows.k, out, h) &&
            bands_disjoint(rows.smooth_tap, rows.m, out, h))
            return h;
    }
    return std::max<int64_t>(out, 1);
}

}  // namespace jpac::cpu
