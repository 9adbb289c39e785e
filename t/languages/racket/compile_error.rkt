#lang racket/base
(undeclared_name)
