const { helper } = require('./helper');

class Widget {
  render() {
    return helper(this);
  }
}

function mount(w) {
  return w.render();
}

module.exports = { Widget, mount };
