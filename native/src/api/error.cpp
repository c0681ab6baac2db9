#include "api/error.hpp"

namespace {
thread_local std::string last_error;
}

namespace jpac {

void set_last_error(const char* message) {
    try {
        last_error = message;
    } catch (...) {
        // Keep whatever was there: reporting must never throw.
    }
}

void clear_last_error() { last_error.clear(); }

}  // namespace jpac

extern "C" JPAC_API const char* jpac_last_error(void) { return last_error.c_str(); }
