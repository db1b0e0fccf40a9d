function helper(x) {
  return String(x);
}

module.exports = { helper };
