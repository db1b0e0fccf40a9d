#include <vector>
template <typename T> T first(const std::vector<T>& v) { return v[0]; }
