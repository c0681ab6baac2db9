// A small JSON reader for the golden files' headers (safetensors header and
// its "params" string): objects, arrays, strings, numbers, true/false/null.
#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace jpac::test {

struct Json {
    enum Kind { null, boolean, number, string, array, object } kind = null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<Json> items;
    std::map<std::string, Json> fields;

    bool has(const std::string& key) const { return kind == object && fields.count(key) != 0; }
    const Json& at(const std::string& key) const {
        auto it = fields.find(key);
        if (kind != object || it == fields.end()) throw std::runtime_error("JSON: no key '" + key + "'");
        return it->second;
    }
    static Json parse(const std::string& text);
};

namespace detail {
struct JsonParser {
    const std::string& s;
    size_t i = 0;
    [[noreturn]] void fail(const char* what) {
        throw std::runtime_error(std::string("JSON: ") + what + " at offset " + std::to_string(i));
    }
    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
    }
    bool take(char c) {
        ws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    std::string string_body() {
        std::string out;
        while (i < s.size() && s[i] != '"') {
            char c = s[i++];
            if (c == '\\') {
                if (i >= s.size()) fail("bad escape");
                char e = s[i++];
                switch (e) {
                    case 'n': out += '\n'; break;
                    case 't': out += '\t'; break;
                    case 'r': out += '\r'; break;
                    case 'b': out += '\b'; break;
                    case 'f': out += '\f'; break;
                    case 'u': {
                        if (i + 4 > s.size()) fail("bad \\u escape");
                        unsigned cp = std::stoul(s.substr(i, 4), nullptr, 16);
                        i += 4;
                        if (cp < 0x80) out += char(cp);
                        else if (cp < 0x800) { out += char(0xC0 | (cp >> 6)); out += char(0x80 | (cp & 0x3F)); }
                        else { out += char(0xE0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F)); }
                        break;
                    }
                    default: out += e;
                }
            } else {
                out += c;
            }
        }
        if (i >= s.size()) fail("unterminated string");
        ++i;
        return out;
    }
    Json value() {
        ws();
        if (i >= s.size()) fail("unexpected end");
        Json v;
        char c = s[i];
        if (c == '{') {
            ++i;
            v.kind = Json::object;
            if (take('}')) return v;
            do {
                if (!take('"')) fail("expected a key");
                std::string key = string_body();
                if (!take(':')) fail("expected ':'");
                v.fields[key] = value();
            } while (take(','));
            if (!take('}')) fail("expected '}'");
        } else if (c == '[') {
            ++i;
            v.kind = Json::array;
            if (take(']')) return v;
            do v.items.push_back(value());
            while (take(','));
            if (!take(']')) fail("expected ']'");
        } else if (c == '"') {
            ++i;
            v.kind = Json::string;
            v.str = string_body();
        } else if (s.compare(i, 4, "true") == 0) {
            i += 4;
            v.kind = Json::boolean;
            v.b = true;
        } else if (s.compare(i, 5, "false") == 0) {
            i += 5;
            v.kind = Json::boolean;
        } else if (s.compare(i, 4, "null") == 0) {
            i += 4;
        } else {
            size_t used = 0;
            v.kind = Json::number;
            v.num = std::stod(s.substr(i, 64), &used);
            if (used == 0) fail("bad value");
            i += used;
        }
        return v;
    }
};
}  // namespace detail

inline Json Json::parse(const std::string& text) {
    detail::JsonParser p{text};
    Json v = p.value();
    p.ws();
    if (p.i != text.size()) p.fail("trailing characters");
    return v;
}

}  // namespace jpac::test
