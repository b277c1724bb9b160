// Blocks for data on its way between the kernel and a socket's queues, kept for reuse.
//
// A fresh 64 KiB block per read (or per write the kernel could not take at once), freed when
// the script has read it (or the kernel has taken it), makes glibc trim and regrow the top of
// its heap over and over: the kernel then copies every byte into a page it must first fault in
// and zero. Reusing blocks keeps those pages. The pool belongs to a Stack and is used with the
// stack lock held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace mpsock {

class BufferPool {
 public:
  static constexpr size_t kBlockSize = 64 * 1024;

  explicit BufferPool(size_t max_free_blocks) : max_free_blocks_(max_free_blocks) {}

  std::unique_ptr<uint8_t[]> take() {
    if (free_.empty()) return std::unique_ptr<uint8_t[]>(new uint8_t[kBlockSize]);
    std::unique_ptr<uint8_t[]> block = std::move(free_.back());
    free_.pop_back();
    return block;
  }

  // `block` must have come from take().
  void give(std::unique_ptr<uint8_t[]> block) {
    if (block && free_.size() < max_free_blocks_) free_.push_back(std::move(block));
  }

 private:
  size_t max_free_blocks_;
  std::vector<std::unique_ptr<uint8_t[]>> free_;
};

}  // namespace mpsock
