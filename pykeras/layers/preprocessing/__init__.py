"""Preprocessing and augmentation layers."""
