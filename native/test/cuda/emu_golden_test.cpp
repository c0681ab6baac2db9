// ctest: every golden op case through the emulated CUDA kernels, once per
// thread order. Usage:
//   jpac_cuda_emu_golden <golden dir> [--orders forward,reverse,random]
//                        [--drop-barrier N --expect-mismatch]
// The golden directory may also come from JPAC_GOLDEN_DIR (it wins, so a
// caller can point the test at another folder). --drop-barrier N skips tile
// barrier N of the kernels (JPAC_TILE_BARRIER); --expect-mismatch inverts
// the verdict: some case must then give wrong numbers.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "golden_ops.hpp"

namespace fs = std::filesystem;
using namespace jpac;

int main(int argc, char** argv) {
    std::string dir = argc > 1 ? argv[1] : "";
    if (const char* env = std::getenv("JPAC_GOLDEN_DIR"); env && *env) dir = env;
    std::string orders = "forward,reverse,random";
    bool expect_mismatch = false;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--orders" && i + 1 < argc) orders = argv[++i];
        else if (a == "--expect-mismatch") expect_mismatch = true;
        else if (a == "--drop-barrier" && i + 1 < argc) emu::drop_barrier(std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    const fs::path ops = fs::path(dir) / "ops";
    if (dir.empty() || !fs::is_directory(ops)) {
        std::fprintf(stderr, "golden folder %s has no ops/ (pass it or set JPAC_GOLDEN_DIR)\n", dir.c_str());
        return 2;
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(ops))
        if (e.path().extension() == ".safetensors") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    int passed = 0, failed = 0, not_covered = 0, mismatched = 0;
    std::stringstream order_list(orders);
    std::string order_name;
    while (std::getline(order_list, order_name, ',') && !(expect_mismatch && mismatched > 0)) {
        emu::Order order = order_name == "reverse" ? emu::Order::reverse
                           : order_name == "random" ? emu::Order::random
                                                    : emu::Order::forward;
        emu::set_order(order, 20261129);
        for (const fs::path& file : files) {
            const std::string name = file.stem().string();
            try {
                const test::SafeTensors f = test::SafeTensors::read(file.string());
                std::string skipped;
                const auto result = test::run_golden_case(f, &skipped);
                if (!skipped.empty()) {
                    std::printf("%-8s %-40s NOT COVERED: %s\n", order_name.c_str(), name.c_str(), skipped.c_str());
                    ++not_covered;
                    continue;
                }
                bool ok = !result.empty();
                std::string detail;
                for (const auto& c : result) {
                    ok = ok && c.ok;
                    char buf[160];
                    std::snprintf(buf, sizeof buf, " %s %.2e%s", c.name.c_str(), c.error, c.ok ? "" : " (FAIL)");
                    detail += buf;
                }
                std::printf("%-8s %-40s %s:%s\n", order_name.c_str(), name.c_str(), ok ? "ok" : "FAILED", detail.c_str());
                (ok ? passed : failed)++;
                if (!ok) ++mismatched;
                if (!ok && expect_mismatch) break;
            } catch (const std::exception& e) {
                std::printf("%-8s %-40s ERROR: %s\n", order_name.c_str(), name.c_str(), e.what());
                ++failed;
            }
        }
    }
    std::printf("%d passed, %d failed, %d not covered by the CUDA kernels\n", passed, failed, not_covered);
    if (expect_mismatch) {
        // The broken build must give wrong numbers (not merely crash or skip).
        std::printf(mismatched > 0 ? "the missing barrier was detected\n" : "the missing barrier went UNDETECTED\n");
        return mismatched > 0 ? 0 : 1;
    }
    return failed == 0 && passed > 0 ? 0 : 1;
}
