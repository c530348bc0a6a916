#pragma once

#include "http/httprequest.h"

#include <QByteArray>

namespace baton {

// Grammar checks and splits of RFC 9110/9112 that the parser applies on top of llhttp.
bool isTokenChar(char c);
// The value of a hex digit (HEXDIG, either case), or -1 for any other byte.
int hexDigitValue(char c);
// A non-empty token (RFC 9110 5.6.2): what field names and methods are made of.
bool isToken(QByteArrayView text);
// A field value without the optional whitespace around it.
QByteArray trimmedOws(const QByteArray &value);
// Fills path and query from target; absolute-form keeps only its path.
void splitTarget(HttpRequest &request);
// Why a Host value is not uri-host [ ":" port ], or nullptr when it is.
const char *hostProblem(QByteArrayView host);

} // namespace baton
