"""Preprocessing and augmentation layers."""

from __future__ import annotations
