#include "startup.h"

#include "headlessrunner.h"

#include <QCoreApplication>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace startup {

void setApplicationIdentity()
{
    QCoreApplication::setApplicationName(u"heiko"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(HEIKO_VERSION));
    QCoreApplication::setOrganizationName(u"Heiko"_s);
    QCoreApplication::setOrganizationDomain(u"heiko.invalid"_s);
}

int finishEarly(const CommandLine::Result &parsed)
{
    switch (parsed.action) {
    case CommandLine::Action::ShowHelp:
    case CommandLine::Action::ShowVersion:
        std::fputs(qPrintable(parsed.text + u'\n'), stdout);
        return 0;
    case CommandLine::Action::UsageError:
        std::fputs(qPrintable(parsed.text + u'\n'), stderr);
        return HeadlessRunner::UsageError;
    case CommandLine::Action::Run:
        break;
    }
    return -1;
}

} // namespace startup
