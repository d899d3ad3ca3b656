// Generic text-format parsing and dotted-path field setting (launch/config.h).
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/tokenizer.h"
#include "launch/config.h"

namespace syncline::launch {
namespace {

namespace pb = google::protobuf;

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// Byte offset of 0-based (line, column) in `text`, clamped to its size.
size_t OffsetOf(const std::string& text, int line, int column) {
  size_t pos = 0;
  for (int l = 0; l < line && pos < text.size(); ++l) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return text.size();
    pos = nl + 1;
  }
  return std::min(text.size(), pos + static_cast<size_t>(std::max(column, 0)));
}

// The dotted path of the field being parsed at `offset`: a light scan of the
// text before it that tracks nested "name {" blocks and the last "name:".
// Only used to make parser errors name their field.
std::string FieldPathAt(const std::string& text, size_t offset) {
  std::vector<std::string> stack;
  std::string last_ident, field;
  size_t i = 0;
  while (i < offset) {
    char c = text[i];
    if (c == '#') {
      while (i < offset && text[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      for (++i; i < offset && text[i] != c && text[i] != '\n'; ++i) {
        if (text[i] == '\\') ++i;
      }
      ++i;
    } else if (IsIdentStart(c)) {
      size_t start = i;
      while (i < text.size() && IsIdentChar(text[i])) ++i;
      last_ident = text.substr(start, i - start);
    } else {
      if (c == ':') field = last_ident;
      if (c == '{' || c == '<') {
        stack.push_back(last_ident);
        field.clear();
      }
      if ((c == '}' || c == '>') && !stack.empty()) {
        stack.pop_back();
        field.clear();
      }
      ++i;
    }
  }
  // An error pointing at a field name (unknown field) names that field.
  if (offset < text.size() && IsIdentStart(text[offset])) {
    size_t end = offset;
    while (end < text.size() && IsIdentChar(text[end])) ++end;
    size_t next = end;
    while (next < text.size() && absl::ascii_isspace(text[next])) ++next;
    if (next < text.size() && (text[next] == ':' || text[next] == '{' || text[next] == '<')) {
      field = text.substr(offset, end - offset);
    }
  }
  if (!field.empty()) stack.push_back(field);
  return absl::StrJoin(stack, ".");
}

// Keeps the first parser error as "FILE:LINE:COL: path: message" (1-based).
class FirstErrorCollector : public pb::io::ErrorCollector {
 public:
  FirstErrorCollector(const std::string& name, const std::string& text) : name_(name), text_(text) {}

  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (!error_.empty()) return;
    size_t offset = OffsetOf(text_, line, column);
    // The parser reports an unknown field just past its name; point at the name.
    size_t start = offset;
    while (start > 0 && IsIdentChar(text_[start - 1])) --start;
    if (start < offset && IsIdentStart(text_[start])) {
      column -= static_cast<int>(offset - start);
      offset = start;
    }
    std::string path = FieldPathAt(text_, offset);
    error_ = absl::StrCat(name_, ":", line + 1, ":", column + 1, ": ",
                          path.empty() ? "" : absl::StrCat(path, ": "), message);
  }
  void AddWarning(int, pb::io::ColumnNumber, const std::string&) override {}
  const std::string& error() const { return error_; }

 private:
  const std::string& name_;
  const std::string& text_;
  std::string error_;
};

absl::Status BadValue(const std::string& path, const std::string& value, const char* type) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse '", value, "' as ", type, " for ", path));
}

template <typename T>
absl::Status ParseInt(const std::string& path, const std::string& value, const char* type,
                      T* out) {
  if (!absl::SimpleAtoi(value, out)) return BadValue(path, value, type);
  return absl::OkStatus();
}

template <typename T>
absl::Status ParseReal(const std::string& path, const std::string& value, const char* type,
                       T* out) {
  double d = 0;
  if (!absl::SimpleAtod(value, &d) || !std::isfinite(d) ||
      !std::isfinite(static_cast<T>(d))) {
    return BadValue(path, value, type);
  }
  *out = static_cast<T>(d);
  return absl::OkStatus();
}

// Sets (or, for repeated fields, appends) one scalar value.
absl::Status SetScalar(pb::Message* msg, const pb::FieldDescriptor* field, const std::string& path,
                       const std::string& value) {
  const pb::Reflection* r = msg->GetReflection();
  const bool rep = field->is_repeated();
  switch (field->cpp_type()) {
#define SYNCLINE_SET_CASE(CPPTYPE, T, PARSE, TYPENAME, SETTER)              \
  case pb::FieldDescriptor::CPPTYPE: {                                    \
    T v{};                                                                \
    if (absl::Status s = PARSE(path, value, TYPENAME, &v); !s.ok()) return s; \
    if (rep) {                                                            \
      r->Add##SETTER(msg, field, v);                                      \
    } else {                                                              \
      r->Set##SETTER(msg, field, v);                                      \
    }                                                                     \
    return absl::OkStatus();                                              \
  }
    SYNCLINE_SET_CASE(CPPTYPE_INT32, int32_t, ParseInt, "int32", Int32)
    SYNCLINE_SET_CASE(CPPTYPE_INT64, int64_t, ParseInt, "int64", Int64)
    SYNCLINE_SET_CASE(CPPTYPE_UINT32, uint32_t, ParseInt, "uint32", UInt32)
    SYNCLINE_SET_CASE(CPPTYPE_UINT64, uint64_t, ParseInt, "uint64", UInt64)
    SYNCLINE_SET_CASE(CPPTYPE_FLOAT, float, ParseReal, "float", Float)
    SYNCLINE_SET_CASE(CPPTYPE_DOUBLE, double, ParseReal, "double", Double)
#undef SYNCLINE_SET_CASE
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (!absl::SimpleAtob(value, &v)) return BadValue(path, value, "bool (true/false)");
      rep ? r->AddBool(msg, field, v) : r->SetBool(msg, field, v);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* e = field->enum_type()->FindValueByName(value);
      int number = 0;
      if (e == nullptr && absl::SimpleAtoi(value, &number)) {
        e = field->enum_type()->FindValueByNumber(number);
      }
      if (e == nullptr) return BadValue(path, value, field->enum_type()->name().c_str());
      rep ? r->AddEnum(msg, field, e) : r->SetEnum(msg, field, e);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_STRING:
      rep ? r->AddString(msg, field, value) : r->SetString(msg, field, value);
      return absl::OkStatus();
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(path, " cannot be set from a string"));
}

// A singular message field takes a text-format body: --set 'train={epochs: 2}'.
absl::Status MergeMessage(pb::Message* msg, const pb::FieldDescriptor* field,
                          const std::string& path, const std::string& value) {
  pb::Message* sub = msg->GetReflection()->MutableMessage(msg, field);
  std::string body(absl::StripAsciiWhitespace(value));
  if (body.size() >= 2 && body.front() == '{' && body.back() == '}') {
    body = body.substr(1, body.size() - 2);
  }
  std::string name = absl::StrCat("--set ", path);
  FirstErrorCollector errors(name, body);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.MergeFromString(body, sub)) return absl::InvalidArgumentError(errors.error());
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseTextProto(const std::string& text, const std::string& name, pb::Message* msg,
                            pb::TextFormat::ParseInfoTree* info) {
  FirstErrorCollector errors(name, text);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (info != nullptr) parser.WriteLocationsTo(info);
  if (!parser.ParseFromString(text, msg)) {
    return absl::InvalidArgumentError(errors.error().empty() ? absl::StrCat(name, ": parse error")
                                                             : errors.error());
  }
  return absl::OkStatus();
}

absl::Status ParseTextProtoFile(const std::string& path, pb::Message* msg,
                                pb::TextFormat::ParseInfoTree* info) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open config file"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseTextProto(text.str(), path, msg, info);
}

absl::Status SetField(pb::Message* msg, const std::string& path, const std::string& value) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  pb::Message* current = msg;
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::Descriptor* desc = current->GetDescriptor();
    const pb::FieldDescriptor* field = desc->FindFieldByName(parts[i]);
    std::string prefix = absl::StrJoin(parts.begin(), parts.begin() + i + 1, ".");
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown field '", path, "' (", desc->name(),
                                                     " has no field named '", parts[i], "')"));
    }
    const bool last = i + 1 == parts.size();
    const bool is_message = field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
    if (is_message && field->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, " is a repeated message or map field; --set cannot address it"));
    }
    if (!last && !is_message) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown field '", path, "' (", prefix, " is not a message)"));
    }
    if (!last) {
      current = current->GetReflection()->MutableMessage(current, field);
      continue;
    }
    if (is_message) return MergeMessage(current, field, path, value);
    if (!field->is_repeated()) return SetScalar(current, field, path, value);
    // Repeated scalar: parse into a scratch copy so a bad element changes nothing.
    std::unique_ptr<pb::Message> scratch(current->New());
    if (!absl::StripAsciiWhitespace(value).empty()) {
      for (absl::string_view item : absl::StrSplit(value, ',')) {
        std::string element(absl::StripAsciiWhitespace(item));
        if (absl::Status s = SetScalar(scratch.get(), field, path, element); !s.ok()) return s;
      }
    }
    current->GetReflection()->ClearField(current, field);
    scratch->GetReflection()->SwapFields(scratch.get(), current, {field});
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("empty field path");
}

absl::Status ApplyOverrides(pb::Message* msg, const std::vector<std::string>& sets) {
  for (const std::string& set : sets) {
    size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--set ", set, ": expected field.path=value"));
    }
    absl::Status s = SetField(msg, set.substr(0, eq), set.substr(eq + 1));
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", set, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

std::string FieldLocation(const pb::Message& msg, const pb::TextFormat::ParseInfoTree& info,
                          const std::string& file, const std::string& path) {
  const pb::Descriptor* desc = msg.GetDescriptor();
  const pb::TextFormat::ParseInfoTree* tree = &info;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size() && desc != nullptr && tree != nullptr; ++i) {
    const pb::FieldDescriptor* field = desc->FindFieldByName(parts[i]);
    if (field == nullptr) return "";
    int index = field->is_repeated() ? 0 : -1;
    if (i + 1 == parts.size()) {
      pb::TextFormat::ParseLocation loc = tree->GetLocation(field, index);
      if (loc.line < 0) return "";
      return absl::StrCat(file, ":", loc.line + 1, ":", loc.column + 1);
    }
    tree = tree->GetTreeForNested(field, index);
    desc = field->message_type();
  }
  return "";
}

}  // namespace syncline::launch
