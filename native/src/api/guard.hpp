// Runs a body and maps every C++ exception to a jpac_status, so that no
// exception crosses the C ABI.
#pragma once
#include <new>
#include "api/error.hpp"
#include "cpu/parallel.hpp"

namespace jpac {

template <typename Body>
jpac_status guarded(Body&& body) noexcept {
    try {
        cpu::OperationThreads team;  // the thread count is read once per operation
        clear_last_error();
        body();
        return JPAC_OK;
    } catch (const Error& e) {
        set_last_error(e.what());
        return e.status();
    } catch (const std::bad_alloc&) {
        set_last_error("out of memory");
        return JPAC_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(e.what());
        return JPAC_ERR_INTERNAL;
    } catch (...) {
        set_last_error("unknown internal error");
        return JPAC_ERR_INTERNAL;
    }
}

}  // namespace jpac
