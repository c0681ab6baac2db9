// Reads a golden case (safetensors: 8-byte header length, JSON header, raw
// little-endian data; F64, F32 or U8 tensors) into double vectors.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "json.hpp"

namespace jpac::test {

struct HostTensor {
    std::vector<int64_t> shape;
    std::vector<double> values;
    size_t numel() const { return values.size(); }
};

struct SafeTensors {
    std::map<std::string, HostTensor> tensors;
    std::map<std::string, std::string> metadata;
    bool has(const std::string& name) const { return tensors.count(name) != 0; }
    const HostTensor& at(const std::string& name) const {
        auto it = tensors.find(name);
        if (it == tensors.end()) throw std::runtime_error("golden file has no tensor '" + name + "'");
        return it->second;
    }

    static SafeTensors read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot open " + path);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (bytes.size() < 8) throw std::runtime_error(path + ": shorter than a safetensors header");
        uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[i]);
        if (n > bytes.size() - 8) throw std::runtime_error(path + ": header length past the end");
        const Json header = Json::parse(std::string(bytes.data() + 8, n));
        const char* base = bytes.data() + 8 + n;
        const size_t avail = bytes.size() - 8 - n;
        SafeTensors st;
        for (const auto& [name, v] : header.fields) {
            if (name == "__metadata__") {
                for (const auto& [k, s] : v.fields) st.metadata[k] = s.str;
                continue;
            }
            HostTensor t;
            size_t count = 1;
            for (const Json& d : v.at("shape").items) {
                t.shape.push_back(int64_t(d.num));
                count *= size_t(d.num);
            }
            const size_t b = size_t(v.at("data_offsets").items.at(0).num), e = size_t(v.at("data_offsets").items.at(1).num);
            const std::string dtype = v.at("dtype").str;
            const size_t width = dtype == "F64" ? 8 : dtype == "F32" ? 4 : dtype == "U8" ? 1 : 0;
            if (width == 0) throw std::runtime_error(path + ": tensor " + name + " has dtype " + dtype);
            if (e > avail || b > e || e - b != count * width)
                throw std::runtime_error(path + ": tensor " + name + " has bad data offsets");
            t.values.resize(count);
            for (size_t i = 0; i < count; ++i) {
                const char* p = base + b + i * width;
                if (width == 8) { double d; std::memcpy(&d, p, 8); t.values[i] = d; }
                else if (width == 4) { float f; std::memcpy(&f, p, 4); t.values[i] = f; }
                else t.values[i] = uint8_t(*p);
            }
            st.tensors[name] = std::move(t);
        }
        return st;
    }
};

}  // namespace jpac::test
