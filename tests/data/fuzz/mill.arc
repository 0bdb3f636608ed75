filedesc://mill.arc 0.0.0.0 20040101000000 text/plain 65
1 0 Test
URL IP-address Archive-date Content-type Archive-length

http://mills.example/eling 192.0.2.7 20040102030405 text/html 293
HTTP/1.0 200 OK
Content-Type: text/html; charset=utf-8

<html><head><title>Tidal mill turns again</title></head><body><article><p>The tidal mill at Eling has ground flour for four centuries on the estuary's tides.</p><p>Volunteers restored its wheel this spring.</p></article></body></html>
