// Checkpoints: one proto::Checkpoint message per file, written atomically.
//
// Atomicity: WriteProtoAtomically writes a temporary file in the target's
// folder, fsyncs it, renames it over the target and fsyncs the folder. A
// reader therefore sees the old file or the new one, never a partial file;
// on any failure the temporary file is removed and the target is untouched.
//
// Files in checkpoint.dir are named "ckpt-<step, 10 digits>.pb" so that name
// order is step order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/module.h"
#include "google/protobuf/message_lite.h"
#include "syncline/checkpoint.pb.h"

namespace syncline::core {

absl::Status WriteProtoAtomically(const google::protobuf::MessageLite& msg,
                                  const std::string& path);
// Reads and parses a binary message; errors name the file.
absl::Status ReadProtoFile(const std::string& path, google::protobuf::MessageLite* msg);

// Creates `dir` (and parents) when missing and proves it writable by
// creating and removing a probe file, so an unusable folder is reported
// before training starts: "checkpoint.dir /x: cannot create folder: ...".
absl::Status EnsureWritableDirectory(const std::string& dir);

std::string CheckpointPath(const std::string& dir, int64_t step);
// Checkpoint files in `dir`, oldest (lowest step) first.
absl::StatusOr<std::vector<std::string>> ListCheckpoints(const std::string& dir);
// `path` itself when it is a file; the newest checkpoint when it is a folder.
absl::StatusOr<std::string> ResolveCheckpoint(const std::string& path);
// Deletes all but the newest `keep_last` checkpoints (0 keeps all).
absl::Status PruneCheckpoints(const std::string& dir, int keep_last);

void TensorToProto(const std::string& name, const Tensor& t, proto::TensorProto* out);
// Shape and data must be consistent; errors name the tensor.
absl::StatusOr<Tensor> TensorFromProto(const proto::TensorProto& p);

// Model parameters in order, into checkpoint.model.
void SaveParameters(const std::vector<Parameter>& params, proto::Checkpoint* ckpt);
// Copies checkpoint.model into params. Count, names and shapes must match
// exactly; a mismatch is InvalidArgument naming the tensor and both shapes,
// and leaves params untouched.
absl::Status LoadParameters(const proto::Checkpoint& ckpt, const std::vector<Parameter>& params);

}  // namespace syncline::core
