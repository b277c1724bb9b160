// A first-in, first-out queue that allocates nothing until something is queued. libstdc++'s
// std::deque allocates its map and a 512-byte block as soon as it is constructed, and a socket
// has several queues that stay empty for most of its life (accept, link, datagram queues).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace mpsock {

template <class T>
class Fifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
  T& operator[](size_t i) { return items_[head_ + i]; }
  void push_back(T item) { items_.push_back(std::move(item)); }
  void pop_front() {
    items_[head_] = T();  // what the item owns goes now, not at the next compaction
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= kCompactAfter && head_ * 2 >= items_.size()) {
      // A queue that never empties (a steady stream) must not grow without bound.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }
  typename std::vector<T>::iterator begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  typename std::vector<T>::iterator end() { return items_.end(); }

 private:
  static constexpr size_t kCompactAfter = 32;
  std::vector<T> items_;
  size_t head_ = 0;
};

}  // namespace mpsock
