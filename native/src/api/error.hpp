// Errors inside the native core: thrown as jpac::Error, turned into a status
// code and a thread-local message at the C boundary (see guard.hpp).
#pragma once
#include <stdexcept>
#include <string>
#include "jpac.h"

namespace jpac {

class Error : public std::runtime_error {
public:
    Error(jpac_status status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    jpac_status status() const { return status_; }
private:
    jpac_status status_;
};

[[noreturn]] inline void invalid(const std::string& message) {
    throw Error(JPAC_ERR_INVALID_ARGUMENT, message);
}

void set_last_error(const char* message);
void clear_last_error();

}  // namespace jpac
