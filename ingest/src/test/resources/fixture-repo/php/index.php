<?php
class Base {}
class Page extends Base {
    function render() { return helper(); }
}
function helper() { return "page"; }
