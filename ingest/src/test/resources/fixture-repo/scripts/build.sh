#!/bin/bash
build() {
  echo "building"
}
build
