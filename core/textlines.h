#pragma once

#include <QByteArrayView>

#include <cstring>

// Lines of a list file, the same way for every format Heiko reads (plain lists, text/uri-list, CSV).
namespace heiko::textlines {

// Calls f(number, line) for every line of `data`, numbered from 1: split at '\n', a '\r' before it dropped
// (CRLF files), the last line taken also without a newline after it. One memchr per line: linear in the size.
template<typename F> void forEach(QByteArrayView data, F &&f)
{
    qsizetype number = 0;
    qsizetype start = 0;
    while (start < data.size()) {
        const void *found = std::memchr(data.data() + start, '\n', static_cast<size_t>(data.size() - start));
        const qsizetype end = found != nullptr ? static_cast<const char *>(found) - data.data() : data.size();
        QByteArrayView line = data.sliced(start, end - start);
        if (line.endsWith('\r'))
            line.chop(1);
        start = end + 1;
        f(++number, line);
    }
}

} // namespace heiko::textlines
