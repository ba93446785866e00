"""Medical-insurance platforms: provincial platforms and the national cross-region platform.

Speaks the infno envelope of the national medical security information platform
(backend-flows §1) at `POST /fsi/api/rsfComIfsService/callService`.
"""
